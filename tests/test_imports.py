"""The package's modules import each other in layers: no cycle, inside functions included."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tfgan_mnist"


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
    """{module: set of package modules it imports}, from every import statement in its source."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from .y import z
                    parents = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parents + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    imported.add(full if full in modules else base)
        graph[name] = {target for target in imported if target in modules and target != name}
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first = last), or None."""
    state, path = {}, []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_finder_sees_a_cycle_through_an_import_inside_a_function():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "tfgan_mnist.train" in graph and "tfgan_mnist.variants.gan_conv" in graph
    assert "tfgan_mnist.workdir" in graph["tfgan_mnist.checkpoints"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_config_imports_no_model_code():
    # the dataset specs, which it checks --dataset against, import nothing of the package;
    # the precision names (--mixed_precision's spellings) only the machine's answers
    graph = import_graph()
    assert graph["tfgan_mnist.config"] == {"tfgan_mnist.datasets", "tfgan_mnist.precision"}
    assert graph["tfgan_mnist.datasets"] == set()
    assert graph["tfgan_mnist.precision"] == {"tfgan_mnist.machine"}
    assert graph["tfgan_mnist.machine"] == set()
