"""A static walk of the app: which form field each service refusal can name, and where it shows.

A service refuses with ``ServiceError(message, field=...)`` (or a subclass); a view runs it
through ``attempt(service, form, aliases=...)``, which puts the message on ``form``'s field of
that name (through ``aliases``) or, when the error names no field, in the error summary. A
name that is not a field of the form is a refusal the user never sees next to what they typed
(and, before show_error checked for a real field, a name like ``due_date`` that is a *method*
of the form answered 500).

``walk()`` parses every module of ``marac_app`` once and returns every ``attempt(...)`` call
site with the form classes it is given, its aliases and every field name the service it runs
can refuse with, found by following calls (``services.create_action`` → ``_clean_text(...,
field="description")`` → ``raise ServiceError(empty, field=field)``) to a fixed point. A field
given as a parameter of a helper is filled in from each caller's argument (or the default).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from wtforms import Form
from wtforms.fields.core import UnboundField

import marac_app
from marac_app.common.errors import ServiceError

ROOT = Path(marac_app.__file__).resolve().parent.parent
ATTEMPT = "marac_app.common.transaction.attempt"
SHOW_ERROR = "marac_app.common.forms.show_error"


@dataclass(frozen=True)
class Param:
    """A field name that is a parameter of the function (filled in by each caller)."""

    name: str


@dataclass(frozen=True)
class Dynamic:
    """A field name the walk cannot read (an expression): reported, never assumed fine."""

    where: str


FieldName = str | None | Param | Dynamic


def _where(module: str, node: ast.AST) -> str:
    path = module.replace(".", "/") + ".py"
    return f"{path}:{getattr(node, 'lineno', 0)}"


def _exception_names() -> set[str]:
    """ServiceError and every subclass the app defines (imported by ``_modules``)."""
    names, todo = set(), [ServiceError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


def _modules() -> dict[str, ModuleType]:
    found = {"marac_app": marac_app}
    for info in pkgutil.walk_packages(marac_app.__path__, "marac_app."):
        found[info.name] = importlib.import_module(info.name)
    return found


@dataclass
class Function:
    """A function or method (or a lambda given to ``attempt``) and where its names resolve."""

    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    enclosing: Function | None = None
    cls: str | None = None
    locals: dict[str, Function] = field(default_factory=dict)
    fields: dict[FieldName, str] = field(default_factory=dict)  # field → where it comes from

    @property
    def params(self) -> list[str]:
        args = self.node.args
        return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]

    def default(self, name: str) -> ast.expr | None:
        args = self.node.args
        positional = [*args.posonlyargs, *args.args]
        offset = len(positional) - len(args.defaults)
        for i, arg in enumerate(positional):
            if arg.arg == name and i >= offset:
                return args.defaults[i - offset]
        for arg, value in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg == name:
                return value
        return None

    def own_nodes(self) -> Iterator[ast.AST]:
        """The nodes of the body, not those of nested functions (lambdas are included)."""
        body = self.node.body if not isinstance(self.node, ast.Lambda) else [self.node.body]
        todo: list[ast.AST] = list(body)
        while todo:
            node = todo.pop()
            yield node
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    todo.append(child)


@dataclass
class ModuleInfo:
    name: str
    tree: ast.Module
    imports: dict[str, tuple[str, str | None]]  # alias → (module, attribute or None)
    functions: dict[str, Function]
    classes: dict[str, dict[str, Function]]


@dataclass
class AttemptSite:
    """One ``attempt(...)`` call in a view, with what the walk learnt about it."""

    where: str
    view: str
    forms: list[type[Form]]
    aliases: dict[str, str]
    fields: dict[FieldName, str]
    shown_by: str  # "attempt", "show_error", "getattr", or "" when no form is given
    result_used: bool

    def form_fields(self, form: type[Form]) -> set[str]:
        return {n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)}

    def problems(self) -> list[tuple[FieldName, str]]:
        """Every field the service can name that a form of this site lacks (after aliases),
        as (the service's field name, a line saying where)."""
        found: list[tuple[FieldName, str]] = []
        for name, origin in sorted(self.fields.items(), key=lambda kv: str(kv[0])):
            if name is None or not self.shown_by:
                continue
            if isinstance(name, Param | Dynamic):
                found.append((name, f"{self.where} ({self.view}): unreadable field {name}"))
                continue
            target = self.aliases.get(name, name)
            for form in self.forms:
                if target not in self.form_fields(form) or target == "csrf_token":
                    found.append(
                        (
                            name,
                            f"{self.where} ({self.view}): {form.__name__} has no field "
                            f"{target!r} (service field {name!r}, raised at {origin})",
                        )
                    )
        return found


class Walk:
    def __init__(self) -> None:
        self.loaded = _modules()
        self.exceptions = _exception_names()
        self.modules: dict[str, ModuleInfo] = {}
        for name, module in self.loaded.items():
            path = getattr(module, "__file__", None)
            source = Path(path).read_text(encoding="utf-8") if path else ""
            self.modules[name] = self._index(name, ast.parse(source))

    # --- Indexing ------------------------------------------------------------------------

    def _index(self, name: str, tree: ast.Module) -> ModuleInfo:
        package = name if name in self.loaded and hasattr(self.loaded[name], "__path__") else None
        base = package or name.rpartition(".")[0]
        imports: dict[str, tuple[str, str | None]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    parts = base.split(".")
                    source = ".".join(parts[: len(parts) - node.level + 1] + [source]).strip(".")
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in self.loaded:
                        imports[alias.asname or alias.name] = (full, None)
                    else:
                        imports[alias.asname or alias.name] = (source, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    imports[alias.asname or alias.name] = (alias.name, None)
        functions: dict[str, Function] = {}
        classes: dict[str, dict[str, Function]] = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] = self._function(name, node, None, None)
            elif isinstance(node, ast.ClassDef):
                classes[node.name] = {
                    item.name: self._function(name, item, None, node.name)
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                }
        return ModuleInfo(name, tree, imports, functions, classes)

    def _function(
        self, module: str, node: Any, enclosing: Function | None, cls: str | None
    ) -> Function:
        function = Function(module, node, enclosing, cls)
        # Each def directly inside this one (a def inside those is theirs).
        todo = list(ast.iter_child_nodes(node))
        while todo:
            child = todo.pop()
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                function.locals[child.name] = self._function(module, child, function, None)
            elif not isinstance(child, ast.ClassDef):
                todo.extend(ast.iter_child_nodes(child))
        return function

    def all_functions(self) -> Iterator[Function]:
        def walk(function: Function) -> Iterator[Function]:
            yield function
            for local in function.locals.values():
                yield from walk(local)

        for info in self.modules.values():
            for function in info.functions.values():
                yield from walk(function)
            for methods in info.classes.values():
                for method in methods.values():
                    yield from walk(method)

    # --- Resolving names -----------------------------------------------------------------

    def qualified(self, module: str, expr: ast.expr, scope: Function | None) -> str | None:
        """The dotted name ``expr`` refers to (``marac_app.x.services.f``), when it can tell."""
        info = self.modules[module]
        if isinstance(expr, ast.Name):
            owner = scope
            while owner is not None:
                if expr.id in owner.locals:
                    return f"local:{id(owner.locals[expr.id])}"
                owner = owner.enclosing
            if expr.id in info.functions or expr.id in info.classes:
                return f"{module}.{expr.id}"
            if expr.id in info.imports:
                source, attribute = info.imports[expr.id]
                return f"{source}.{attribute}" if attribute else source
            return None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
                owner = scope
                while owner is not None and owner.cls is None:
                    owner = owner.enclosing
                return f"{module}.{owner.cls}.{expr.attr}" if owner else None
            base = self.qualified(module, expr.value, scope)
            return f"{base}.{expr.attr}" if base and not base.startswith("local:") else None
        return None

    def resolve(self, module: str, expr: ast.expr, scope: Function | None) -> Function | None:
        name = self.qualified(module, expr, scope)
        if name is None:
            return None
        if name.startswith("local:"):
            owner = scope
            while owner is not None:
                for local in owner.locals.values():
                    if f"local:{id(local)}" == name:
                        return local
                owner = owner.enclosing
            return None
        head, _, last = name.rpartition(".")
        if head in self.modules and last in self.modules[head].functions:
            return self.modules[head].functions[last]
        klass_module, _, klass = head.rpartition(".")
        if klass_module in self.modules and klass in self.modules[klass_module].classes:
            return self.modules[klass_module].classes[klass].get(last)
        return None

    def is_exception(self, call: ast.Call) -> bool:
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name in self.exceptions

    # --- Fields ------------------------------------------------------------------------

    def _value(self, expr: ast.expr | None, module: str, caller: Function) -> FieldName:
        if isinstance(expr, ast.Constant) and (expr.value is None or isinstance(expr.value, str)):
            return expr.value
        if isinstance(expr, ast.Name) and expr.id in caller.params:
            return Param(expr.id)
        return Dynamic(_where(module, expr) if expr is not None else "?")

    def _argument(self, call: ast.Call, callee: Function, name: str) -> ast.expr | None:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        params = callee.params
        if callee.cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        if name in params and params.index(name) < len(positional):
            return positional[params.index(name)]
        default = callee.default(name)
        return default if default is not None else ast.Constant(None)

    def _step(self, function: Function) -> bool:
        """Add what ``function`` raises itself and through its calls; True when it grew."""
        before = dict(function.fields)
        for node in function.own_nodes():
            if not isinstance(node, ast.Call):
                continue
            if self.is_exception(node):
                given = next((k.value for k in node.keywords if k.arg == "field"), None)
                if given is None and len(node.args) > 1:
                    given = node.args[1]
                value = self._value(given, function.module, function) if given is not None else None
                function.fields.setdefault(value, _where(function.module, node))
                continue
            callee = self.resolve(function.module, node.func, function)
            if callee is None:
                for passed in self._handed_in(function, node.func):
                    for name, origin in passed.fields.items():
                        if not isinstance(name, Param):
                            function.fields.setdefault(name, origin)
                continue
            if callee is function:
                continue
            for name, origin in list(callee.fields.items()):
                if isinstance(name, Param):
                    argument = self._argument(node, callee, name.name)
                    name = self._value(argument, function.module, function)
                    origin = f"{origin} via {_where(function.module, node)}"
                function.fields.setdefault(name, origin)
        return function.fields != before

    def _handed_in(self, function: Function, func: ast.expr) -> list[Function]:
        """What a call of a parameter (``use(token, ...)``, ``issue()``) runs: the function
        or lambda each caller of the function owning that parameter passes for it."""
        if not isinstance(func, ast.Name):
            return []
        owner: Function | None = function
        while owner is not None and func.id not in owner.params:
            owner = owner.enclosing
        if owner is None or isinstance(owner.node, ast.Lambda):
            return []
        passed = []
        for caller, call in self.callers.get(id(owner), []):
            argument = self._argument(call, owner, func.id)
            if isinstance(argument, ast.Lambda):
                passed.append(self.lambdas[id(argument)])
            elif argument is not None:
                found = self.resolve(caller.module, argument, caller)
                if found is not None:
                    passed.append(found)
        return passed

    def settle(self, extra: list[Function]) -> None:
        functions = [*self.all_functions(), *extra]
        self.callers: dict[int, list[tuple[Function, ast.Call]]] = {}
        self.lambdas: dict[int, Function] = {id(f.node): f for f in extra}
        for function in list(functions):
            for node in function.own_nodes():
                if not isinstance(node, ast.Call):
                    continue
                callee = self.resolve(function.module, node.func, function)
                if callee is not None:
                    self.callers.setdefault(id(callee), []).append((function, node))
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    if isinstance(argument, ast.Lambda) and id(argument) not in self.lambdas:
                        self.lambdas[id(argument)] = Function(function.module, argument, function)
                        functions.append(self.lambdas[id(argument)])
        while any([self._step(f) for f in functions]):
            pass


# --- attempt(...) call sites ----------------------------------------------------------------


def _form_classes(walk: Walk, module: str, view: Function, name: str) -> list[type[Form]]:
    """The form classes the name ``name`` holds in ``view`` (from its assignments or its
    annotation as a parameter)."""
    found: list[type[Form]] = []

    def from_type(value: Any) -> None:
        if inspect.isclass(value) and issubclass(value, Form):
            found.append(value)

    def from_call(call: ast.expr) -> None:
        if not isinstance(call, ast.Call):
            return
        target = call.func
        if isinstance(target, ast.Call):  # make_form_class(...)(): the class it returns
            factory = _lookup(walk, module, target.func, view)
            hint = typing.get_type_hints(factory).get("return") if callable(factory) else None
            for arg in typing.get_args(hint):
                from_type(arg)
            return
        value = _lookup(walk, module, target, view)
        if inspect.isclass(value):
            from_type(value)
        elif callable(value):
            from_type(typing.get_type_hints(value).get("return"))

    for node in ast.walk(view.node):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            or (
                isinstance(node, ast.AnnAssign)
                and getattr(node.target, "id", None) == name
                and node.value is not None
            )
        ):
            from_call(node.value)
    if not found and name in view.params and not isinstance(view.node, ast.Lambda):
        # a form handed to a helper: its annotation
        function = getattr(walk.loaded[module], getattr(view.node, "name", ""), None)
        from_type(typing.get_type_hints(function).get(name) if function else None)
    return list(dict.fromkeys(found))


def _lookup(walk: Walk, module: str, expr: ast.expr, scope: Function | None) -> Any:
    name = walk.qualified(module, expr, scope)
    if name is None or name.startswith("local:"):
        return None
    head, _, last = name.rpartition(".")
    target = walk.loaded.get(head) or (importlib.import_module(head) if head else None)
    return getattr(target, last, None)


def _literal_aliases(walk: Walk, module: str, expr: ast.expr | None, view: Function) -> dict:
    if expr is None:
        return {}
    if isinstance(expr, ast.Dict):
        return ast.literal_eval(expr)
    value = _lookup(walk, module, expr, view)
    assert isinstance(value, dict), f"aliases not readable at {_where(module, expr)}"
    return value


def _top_function(function: Function) -> Function:
    while function.enclosing is not None:
        function = function.enclosing
    return function


_NO_ARGS = ast.arguments(
    posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
)


def attempt_sites() -> list[AttemptSite]:
    """Every ``attempt(...)`` in the app (outside common/transaction.py)."""
    walk = Walk()
    found: list[tuple[Function, ast.Call, Function, str | None]] = []
    services: list[Function] = []
    for function in list(walk.all_functions()):
        for node in function.own_nodes():
            if not isinstance(node, ast.Call):
                continue
            if walk.qualified(function.module, node.func, function) != ATTEMPT:
                continue
            service_arg = node.args[0]
            if isinstance(service_arg, ast.Lambda):
                service = Function(function.module, service_arg, function)
            form_arg = node.args[1] if len(node.args) > 1 else None
            form_arg = next((k.value for k in node.keywords if k.arg == "form"), form_arg)
            if not isinstance(service_arg, ast.Lambda):
                resolved = walk.resolve(function.module, service_arg, function)
                # A service handed in by the caller (a parameter) is only allowed formless.
                known = resolved is not None or form_arg is None
                assert known, f"service unknown at {_where(function.module, node)}"
                # else a lambda calling it, for the walk to find what the callers hand in
                call = ast.Call(func=service_arg, args=[], keywords=[])
                service = resolved or Function(
                    function.module, ast.Lambda(_NO_ARGS, call), function
                )
            services.append(service)
            form_name = form_arg.id if isinstance(form_arg, ast.Name) else None
            found.append((function, node, service, form_name))
    walk.settle(services)
    return [_site(walk, *entry) for entry in found]


def _site(
    walk: Walk, function: Function, call: ast.Call, service: Function, form_name: str | None
) -> AttemptSite:
    module = function.module
    aliases_expr = next((k.value for k in call.keywords if k.arg == "aliases"), None)
    aliases = _literal_aliases(walk, module, aliases_expr, function)
    result = _result_name(function, call)
    shown_by = "attempt" if form_name else ""
    if not form_name and result:
        form_name, shown_by, more = _shown_later(walk, function, result)
        aliases = {**aliases, **more}
    forms = _form_classes(walk, module, _top_function(function), form_name) if form_name else []
    assert not form_name or forms, f"form class unknown at {_where(module, call)}"
    return AttemptSite(
        where=_where(module, call),
        view=getattr(_top_function(function).node, "name", "?"),
        forms=forms,
        aliases=aliases,
        fields=dict(service.fields),
        shown_by=shown_by,
        result_used=_result_used(function, call, result),
    )


def _parents(root: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(root) for child in ast.iter_child_nodes(node)}


def _result_name(function: Function, call: ast.Call) -> str | None:
    parent = _parents(function.node).get(call)
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.NamedExpr):
        return parent.target.id
    return None


def _result_used(function: Function, call: ast.Call, result: str | None) -> bool:
    """The refusal reaches the user: the result is tested or its error read."""
    parent = _parents(function.node).get(call)
    if isinstance(parent, ast.If | ast.BoolOp | ast.UnaryOp | ast.IfExp):
        return True
    if result is None:
        return False
    return any(
        isinstance(node, ast.Name) and node.id == result and isinstance(node.ctx, ast.Load)
        for node in ast.walk(function.node)
    )


def _shown_later(
    walk: Walk, function: Function, result: str
) -> tuple[str | None, str, dict[str, str]]:
    """A view that runs ``attempt`` without a form and shows the error itself:
    ``show_error(form, result.error[, aliases])`` or ``getattr(form, result.error.field ...)``."""

    def is_error(n: ast.AST) -> bool:
        return (
            isinstance(n, ast.Attribute)
            and n.attr == "error"
            and isinstance(n.value, ast.Name)
            and n.value.id == result
        )

    # ``error = result.error`` and then ``getattr(form, error.field ...)``
    names = {
        t.id
        for n in ast.walk(function.node)
        if isinstance(n, ast.Assign) and is_error(n.value)
        for t in n.targets
        if isinstance(t, ast.Name)
    }

    def reads_error(expr: ast.expr) -> bool:
        return any(
            is_error(n) or (isinstance(n, ast.Name) and n.id in names) for n in ast.walk(expr)
        )

    for node in ast.walk(function.node):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        form_arg = node.args[0]
        if not isinstance(form_arg, ast.Name) or not reads_error(node.args[1]):
            continue
        name = walk.qualified(function.module, node.func, function)
        if name == SHOW_ERROR:
            aliases = node.args[2] if len(node.args) > 2 else None
            more = _literal_aliases(walk, function.module, aliases, function)
            return form_arg.id, "show_error", more
        if isinstance(node.func, ast.Name) and node.func.id == "getattr":
            return form_arg.id, "getattr", {}
    return None, "", {}
