"""tf.distribute: two replicas compute what one device computes; checkpoints work under it."""

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

SCRIPT = os.path.join(os.path.dirname(__file__), "distributed_run.py")


@pytest.mark.long(seconds=15)
@pytest.mark.parametrize("d_steps", [1, 2])
def test_mirrored_on_two_cpus_matches_one_device_on_the_same_global_batch(tmp_path, d_steps):
    # Both runs train 12 steps with a checkpoint and a resume point at step 6,
    # so restoring under the strategy is exercised too.
    result = subprocess.run([sys.executable, SCRIPT, "compare", str(tmp_path), str(d_steps)],
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("ok")


def free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.long(seconds=14)
def test_multi_worker_with_two_local_workers_trains_and_writes_one_checkpoint(tmp_path):
    import json

    from conftest import FIXTURE_DIR

    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    workdir = tmp_path / "run"
    processes, logs = [], []
    try:
        for index in (1, 0):
            tf_config = {"cluster": {"worker": workers},
                         "task": {"type": "worker", "index": index}}
            env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CONFIG=json.dumps(tf_config))
            # Output to files, not pipes: a worker blocked on a full pipe would stall
            # the other one inside a collective.
            out, err = (open(tmp_path / f"worker{index}.{kind}", "w+") for kind in ("out", "err"))
            logs.append((out, err))
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "tfgan_mnist.main", "--strategy=multi_worker",
                 f"--workdir={workdir}", f"--data_dir={FIXTURE_DIR}", "--train_steps=6",
                 "--batch_size=8", "--width=0.1", "--z_dim=8", "--log_every=3",
                 "--summary_every=6", "--checkpoint_every=6", "--sample_grid=2"],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=err, text=True))
        for process in processes:
            process.wait(timeout=300)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    outputs = []
    for out, err in logs:
        out.seek(0)
        err.seek(0)
        outputs.append((out.read(), err.read()))
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
    chief_out = outputs[1][0]
    assert "step 6/6" in chief_out and outputs[0][0] == ""  # the other worker prints nothing
    assert sorted(os.listdir(workdir / "checkpoints")) == [
        "checkpoint", "ckpt-6.data-00000-of-00001", "ckpt-6.index"]
    assert sorted(os.listdir(workdir)) == ["checkpoints", *sorted(
        n for n in os.listdir(workdir) if n.startswith("events")), "run.flags", "run.lock",
        "samples"]
