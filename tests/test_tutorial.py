"""docs/tutorial.ipynb runs top to bottom (tiny: TFGAN_MNIST_TUTORIAL_TINY=1) on a kernel of
this Python, and shows what it promises: samples, an interpolation, two score tables."""

import pytest

from conftest import REPO_ROOT


@pytest.mark.long(seconds=60)
def test_the_tutorial_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    import nbclient  # the test extra installs it: a missing one fails, never skips
    import nbformat

    notebook = nbformat.read(str(REPO_ROOT / "docs" / "tutorial.ipynb"), as_version=4)
    monkeypatch.setenv("TFGAN_MNIST_TUTORIAL_TINY", "1")
    monkeypatch.setenv("TFGAN_MNIST_TUTORIAL_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    # Jupyter's own backend, which shows figures as the cells' outputs
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(REPO_ROOT / "docs")}})
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", ())]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # the MNIST samples, the interpolation, the shapes' samples
    assert text.count("scored the same way") == 2
    assert "72 images in" in text and "trained on the run's" in text
    assert (tmp_path / "runs" / "tutorial-shapes" / "dataset.npz").exists()
