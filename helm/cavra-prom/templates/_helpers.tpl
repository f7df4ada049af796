{{/*
Names and labels shared by every template. Kubernetes names are DNS labels: 63 characters at
most, no trailing "-"; every name here is cut and trimmed to fit.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "cavra-prom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources: fullnameOverride, else "<release>-<name>", else the
release name alone when it already contains the name (release "cavra-prom" gives
"cavra-prom", not "cavra-prom-cavra-prom").
*/}}
{{- define "cavra-prom.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A name derived from the full name, e.g. "<fullname>-dashboards", still within 63. */}}
{{- define "cavra-prom.suffixed" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "cavra-prom.fullname" $root | trunc (int (sub 62 (len $suffix)))) $suffix | trimSuffix "-" }}
{{- end }}

{{/* "<chart>-<version>" for the helm.sh/chart label ("+" is not allowed in label values). */}}
{{- define "cavra-prom.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "cavra-prom.labels" -}}
helm.sh/chart: {{ include "cavra-prom.chart" . }}
{{ include "cavra-prom.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cavra-prom
{{- end }}

{{/* The labels a Service, PDB and NetworkPolicy select the pod by: never change on upgrade. */}}
{{- define "cavra-prom.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cavra-prom.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the pod runs as. */}}
{{- define "cavra-prom.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cavra-prom.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference; the tag defaults to the chart's appVersion. */}}
{{- define "cavra-prom.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The claim backing the packet store, when persistence is on. */}}
{{- define "cavra-prom.claimName" -}}
{{- .Values.persistence.existingClaim | default (include "cavra-prom.fullname" .) }}
{{- end }}

{{/*
The job label Prometheus gives cavra's series. The generated rules
(rules/cavra-benchmark-slo.rules.yml) select job="cavra" (`cavra rules generate --job`), so
the ServiceMonitor relabels the job to this value instead of the Service's name.
*/}}
{{- define "cavra-prom.job" -}}
cavra
{{- end }}

{{/* Where the pod finds its files. */}}
{{- define "cavra-prom.specPath" -}}/etc/cavra/spec/spec.yaml{{- end }}
{{- define "cavra-prom.storeDir" -}}/var/lib/cavra/packets{{- end }}
{{- define "cavra-prom.credentialsDir" -}}/etc/cavra/prometheus{{- end }}
{{- define "cavra-prom.signingDir" -}}/etc/cavra/signing{{- end }}
