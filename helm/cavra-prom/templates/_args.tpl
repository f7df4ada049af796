{{/*
The `cavra serve` command line, one flag per item as --flag=value (argparse reads both forms;
this one keeps a value starting with "-" from being taken for a flag). The evaluator's
credentials are never on it: only the paths of the files the Secret is mounted as.
tests/test_helm_render.py parses the rendered list with cavra's own argument parser.
*/}}
{{- define "cavra-prom.serveArgs" -}}
{{- $creds := .Values.prometheus.credentials -}}
{{- $dir := include "cavra-prom.credentialsDir" . -}}
- {{ printf "--spec=%s" (include "cavra-prom.specPath" .) | quote }}
- {{ printf "--listen=0.0.0.0:%d" (int .Values.service.port) | quote }}
- {{ printf "--window=%s" .Values.serve.window | quote }}
- {{ printf "--evaluation-interval=%s" .Values.serve.evaluationInterval | quote }}
- {{ printf "--store-dir=%s" (include "cavra-prom.storeDir" .) | quote }}
- {{ printf "--keep-packets=%d" (int .Values.serve.keepPackets) | quote }}
- {{ printf "--keep-age=%s" .Values.serve.keepAge | quote }}
- {{ printf "--log-level=%s" .Values.serve.logLevel | quote }}
{{- with .Values.prometheus.url }}
- {{ printf "--prometheus-url=%s" . | quote }}
- {{ printf "--timeout=%s" $.Values.prometheus.timeout | quote }}
- {{ printf "--retries=%d" (int $.Values.prometheus.retries) | quote }}
{{- range $name, $value := $.Values.prometheus.headers }}
- {{ printf "--header=%s: %s" $name $value | quote }}
{{- end }}
{{- with $creds.bearerTokenKey }}
- {{ printf "--bearer-token-file=%s/%s" $dir . | quote }}
{{- end }}
{{- if $creds.basicAuthPasswordKey }}
- {{ printf "--basic-auth-user=%s" $creds.basicAuthUsername | quote }}
- {{ printf "--basic-auth-password-file=%s/%s" $dir $creds.basicAuthPasswordKey | quote }}
{{- end }}
{{- with $creds.caKey }}
- {{ printf "--ca-file=%s/%s" $dir . | quote }}
{{- end }}
{{- end }}
{{- if .Values.signing.existingSecret }}
- {{ printf "--signing-key=%s/%s" (include "cavra-prom.signingDir" .) .Values.signing.key | quote }}
{{- end }}
{{- if .Values.serve.allowFaultInjection }}
- "--allow-fault-injection"
{{- end }}
{{- range .Values.serve.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
