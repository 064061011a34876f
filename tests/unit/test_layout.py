"""The layout says where a rule lives: no module in ``app/`` over 800 lines, no import cycle (issue 15).

The import graph is read from the source (``ast``), function-level imports included: an import
hidden inside a function to dodge a cycle is still a cycle in the design.  Imports under
``if TYPE_CHECKING:`` are annotations only and do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(APP.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    return skipped


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph() -> dict[str, set[str]]:
    """Module → the ``app`` modules it imports (the root package ``app``, the factory, excluded)."""
    modules = app_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(name, path, node, modules):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target not in (name, "app"):
                    graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_module_is_over_800_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in app_modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_import_graph_has_no_cycle():
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def _imported_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) for each ``from app… import name`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.module, alias.name) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app")
            for alias in node.names]


def test_no_module_imports_another_modules_private_names():
    """A name with a leading underscore is its module's own: another module that needs it gets a
    public name, so that a reader sees what a module offers and what it keeps."""
    private = {f"{name}: {module}.{imported}" for name, path in app_modules().items()
               for module, imported in _imported_names(path)
               if imported.startswith("_") and not imported.startswith("__")}
    assert private == set()


def test_core_depends_on_no_feature():
    """``app/core`` holds the building blocks (clock, periods, permissions, numbers, errors); the
    features build on it, never the other way round."""
    allowed = ("app.core", "app.models", "app.extensions")
    reaching = {name: sorted(t for t in targets if not t.startswith(allowed))
                for name, targets in import_graph().items() if name.startswith("app.core")}
    assert {name: targets for name, targets in reaching.items() if targets} == {}


def test_feature_packages_are_only_names():
    """A feature with pages has its blueprint in ``blueprint.py`` and an ``__init__`` that imports
    nothing; the factory imports the view modules, so importing a service never drags the web in."""
    modules = app_modules()
    features = [name for name in modules if f"{name}.blueprint" in modules]
    assert len(features) >= 10
    heavy = [name for name in features
             if any(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.parse(modules[name].read_text()).body)]
    assert heavy == []


TEMPLATES = APP.parent / "templates"
#: Session calls that read: a view asks a service instead.  commit/rollback/flush (the boundary) are allowed.
QUERY_CALLS = frozenset({"execute", "scalar", "scalars", "get", "query"})
#: SQLAlchemy calls that build a statement.
STATEMENT_BUILDERS = frozenset({"select", "update", "delete", "insert", "text"})
#: How a template would test the role itself instead of asking ``has_permission``.
ROLE_TESTS = (".role ==", ".role in", "is_agency_user", "Role.")


def _registers_routes(tree: ast.AST) -> bool:
    """A view module: a function decorated with ``@bp.<something>`` (route, get, post …)."""
    return any(isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
               and isinstance(decorator.func.value, ast.Name) and decorator.func.value.id == "bp"
               for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
               for decorator in node.decorator_list)


def view_modules() -> dict[str, ast.AST]:
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in app_modules().items()}
    return {name: tree for name, tree in trees.items() if _registers_routes(tree)}


def _query_calls(tree: ast.AST) -> list[str]:
    """``db.session.<read>(…)`` and ``sa.<statement>(…)`` calls, as source text with their line."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner, name = ast.unparse(node.func.value), node.func.attr
        if (owner == "db.session" and name in QUERY_CALLS) or (owner in ("sa", "sqlalchemy") and name in STATEMENT_BUILDERS):
            found.append(f"{node.lineno}: {owner}.{name}")
    return found


def test_view_modules_are_found():
    views = view_modules()
    assert {"app.admin.routes", "app.admin.imports", "app.api.report_inputs", "app.auth.recovery",
            "app.auth.first_password", "app.main.routes"} <= set(views)


def test_views_run_no_query():
    """Views parse the request, call a service and commit once; the reads live in the services."""
    offending = {name: calls for name, tree in view_modules().items() if (calls := _query_calls(tree))}
    assert offending == {}


def test_the_query_finder_finds_a_query():
    tree = ast.parse("def view():\n    db.session.commit()\n    return db.session.scalars(sa.select(X))\n")
    assert _query_calls(tree) == ["3: db.session.scalars", "3: sa.select"]


def test_templates_test_no_role():
    """Templates ask ``has_permission(current_user, …)`` of the declared table; showing ``role.label`` is fine."""
    offending = [f"{path.relative_to(TEMPLATES)}:{number}: {marker}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 for marker in ROLE_TESTS if marker in line]
    assert offending == []


#: A role compared with a role set or a role in Python: the check of who may do what, made outside the
#: declared permission table.  (SQL on the ``User.role`` column, e.g. the report's signer, is data.)
ROLE_CHECK = re.compile(r"\b[a-z_][a-z0-9_]*\.role\s+(?:not\s+in|in|is|is\s+not|==|!=)\s+(?:[A-Z_]*ROLES\b|EDITORS\b|Role\.|\()")


def test_who_may_do_what_is_asked_of_the_permission_table():
    """Views, services and templates ask ``has_permission``/``require`` over ``PERMISSIONS``; only
    ``app/core/permissions.py`` (which declares the table) compares roles."""
    found = [f"{path.relative_to(APP.parent)}:{number}" for path in sorted(APP.rglob("*.py"))
             if path != APP / "core" / "permissions.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ROLE_CHECK.search(line)]
    assert found == []


def test_the_role_check_finder_finds_one():
    assert ROLE_CHECK.search("    if current_user.role in OVERSIGHT_ROLES:")
    assert ROLE_CHECK.search("return actor.role is Role.ADMIN")
