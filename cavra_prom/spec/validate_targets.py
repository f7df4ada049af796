"""Readers for the user target kinds: ``python``, ``http`` and ``command``.

Each reader takes the suite's ``target:`` section (opened with any keys, since they depend on
the kind) and returns a :class:`~cavra_prom.spec.model.TargetSpec` whose ``options["config"]``
is the kind's config object, or None after recording every problem. What can be checked at
load time is: modules import and name callables, case files parse and fill the body template,
programs exist, credentials' variables and files exist, and the HTTP URL accepts connections
(unless ``check_reachable: false``). So a bad target is one clear line and exit 2 before any
load is generated.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Final

from cavra_prom.cases import CasesError, load_cases
from cavra_prom.pyref import PyRefError, add_python_path, is_async_callable, resolve
from cavra_prom.spec._fields import Section, quote
from cavra_prom.spec.model import TargetSpec
from cavra_prom.spec.model_targets import (
    CONFIG_KEY,
    CasesSource,
    CommandTargetConfig,
    HttpCall,
    HttpTargetConfig,
    PythonTargetConfig,
)
from cavra_prom.spec.validate_calls import (
    COMMAND_KEYS,
    HTTP_CALL_KEYS,
    base_dir,
    check_keys,
    local_path,
    reach_problem,
    read_command_call,
    read_http_call,
)

PYTHON_KEYS: Final = ("kind", "call", "setup", "teardown", "cases_file", "generator", "python_path")
HTTP_KEYS: Final = (
    "kind",
    *HTTP_CALL_KEYS,
    "cases_file",
    "generator",
    "pool_size",
    "check_reachable",
)
COMMAND_TARGET_KEYS: Final = ("kind", *COMMAND_KEYS)
_HTTP: Final = HttpTargetConfig(request=HttpCall(url=""))


def _callable(section: Section, key: str, *, required: bool = False) -> str | None:
    """A ``module:callable`` reference that imports and names a callable right now."""
    reference = section.string(key, required=required, nonempty=True)
    if reference is None:
        return None
    try:
        resolve(reference)
    except PyRefError as exc:
        section.error(key, str(exc))
        return None
    return reference


def _python_path(section: Section) -> tuple[str, ...] | None:
    """``python_path`` directories (relative to the spec), put on sys.path before imports."""
    elements = section.strings("python_path")
    if elements is None:
        return None
    paths = []
    for path, text in elements:
        directory = (base_dir(section) / text).resolve()
        if not directory.is_dir():
            section.report.error(path, f"no such directory: {directory}")
            return None
        paths.append(str(directory))
    add_python_path(paths)
    return tuple(paths)


def _cases(section: Section) -> tuple[CasesSource | None, list[object] | None, bool]:
    """``cases_file`` or ``generator`` (not both): the source, the file's cases, and validity."""
    if section.has("cases_file") and section.has("generator"):
        section.error("", "give either cases_file or generator, not both")
        return None, None, False
    if section.has("generator"):
        generator = _callable(section, "generator")
        return (CasesSource(generator=generator), None, True) if generator else (None, None, False)
    if not section.has("cases_file"):
        return None, None, True
    path = local_path(section, "cases_file")
    if path is None:
        return None, None, False
    try:
        cases = load_cases(path)
    except CasesError as exc:
        section.error("cases_file", f"{path} {exc}")
        return None, None, False
    return CasesSource(file=path), cases, True


def python_target(target: Section) -> TargetSpec | None:
    """``kind: python``: a callable of the user's, imported and checked now."""
    check_keys(target, PYTHON_KEYS)
    python_path = _python_path(target)
    call = _callable(target, "call", required=True)
    setup = _callable(target, "setup")
    teardown = _callable(target, "teardown")
    cases, _, cases_ok = _cases(target)
    if call is None or python_path is None or not cases_ok:
        return None
    if (target.has("setup") and setup is None) or (target.has("teardown") and teardown is None):
        return None
    config = PythonTargetConfig(
        call, is_async_callable(resolve(call)), setup, teardown, cases, python_path
    )
    return TargetSpec(kind="python", options={CONFIG_KEY: config})


def _template_problem(body: str, cases: Sequence[object]) -> str | None:
    """Why some case cannot fill the body template (``${name}``), or None."""
    template = string.Template(body)
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            return f"case {index} must be a mapping of template values to fill the body"
        try:
            template.substitute({str(k): v for k, v in case.items()})
        except KeyError as exc:
            return f"case {index} has no value for ${{{exc.args[0]}}} used in body"
        except ValueError as exc:
            return f"is not a valid template: {exc}"
    return None


def http_target(target: Section) -> TargetSpec | None:
    """``kind: http``: one request per operation; the URL must accept connections now."""
    check_keys(target, HTTP_KEYS)
    request = read_http_call(target)
    cases, loaded, cases_ok = _cases(target)
    pool = target.integer("pool_size", default=_HTTP.pool_size, ge=1)
    check = target.boolean("check_reachable", default=True)
    if request is None or pool is None or check is None or not cases_ok:
        return None
    if loaded is not None:
        problem = _template_problem(request.body or "", loaded)
        if problem is not None:
            target.error("cases_file", problem)
            return None
    if check and (problem := reach_problem(request.url)) is not None:
        target.error("url", f"{quote(request.url)} {problem}")
        return None
    config = HttpTargetConfig(request, cases, pool)
    return TargetSpec(kind="http", options={CONFIG_KEY: config})


def command_target(target: Section) -> TargetSpec | None:
    """``kind: command``: one run of argv per operation; the program must exist now."""
    check_keys(target, COMMAND_TARGET_KEYS)
    command = read_command_call(target)
    if command is None:
        return None
    return TargetSpec(kind="command", options={CONFIG_KEY: CommandTargetConfig(command)})
