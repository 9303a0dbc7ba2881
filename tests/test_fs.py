"""HostFS: path resolution, file operations, coreutils errno wording and
JSON persistence."""
from __future__ import annotations

import json

import pytest

from lab.sim.fs import FSError, HostFS


def test_resolve_relative_dotdot_and_tilde():
    assert HostFS.resolve("yaml/../x.yml", "/root") == "/root/x.yml"
    assert HostFS.resolve("./a/./b", "/tmp") == "/tmp/a/b"
    assert HostFS.resolve("~", "/tmp") == "/root"
    assert HostFS.resolve("~/pod.yml", "/etc") == "/root/pod.yml"
    assert HostFS.resolve("/../..", "/root") == "/"
    assert HostFS.resolve("//etc//kubernetes/", "/") == "/etc/kubernetes"


def test_write_read_append_and_listdir():
    fs = HostFS()
    fs.mkdir("yaml", "/root")
    fs.write("yaml/pod.yml", "a\n", "/root")
    fs.append("/root/yaml/pod.yml", "b\n")
    assert fs.read("/root/yaml/pod.yml") == "a\nb\n"
    fs.write("/root/yaml/pod.yml", "c\n")
    assert fs.read("pod.yml", "/root/yaml") == "c\n"
    fs.touch("/root/yaml/empty")
    assert fs.listdir("/root/yaml") == ["empty", "pod.yml"]
    assert fs.exists("/root/yaml") and fs.isdir("/root/yaml") and fs.isfile("/root/yaml/empty")


def test_errors_carry_errno_text_and_the_path_as_given():
    fs = HostFS()
    with pytest.raises(FSError) as e:
        fs.read("nofile", "/root")
    assert str(e.value) == "nofile: No such file or directory"
    with pytest.raises(FSError) as e:
        fs.read("/etc")
    assert (e.value.path, e.value.strerror) == ("/etc", "Is a directory")
    with pytest.raises(FSError) as e:
        fs.write("nodir/x.yml", "", "/root")
    assert str(e.value) == "nodir/x.yml: No such file or directory"
    fs.write("/root/f", "x")
    with pytest.raises(FSError) as e:
        fs.read("/root/f/g")
    assert e.value.strerror == "Not a directory"
    with pytest.raises(FSError) as e:
        fs.mkdir("/root")
    assert e.value.strerror == "File exists"


def test_mkdir_parents_remove_rmdir_rename():
    fs = HostFS()
    fs.mkdir("/opt/a/b/c", parents=True)
    fs.mkdir("/opt/a/b", parents=True)  # -p on an existing dir is fine
    fs.write("/opt/a/b/c/f", "1")
    with pytest.raises(FSError) as e:
        fs.rmdir("/opt/a")
    assert e.value.strerror == "Directory not empty"
    with pytest.raises(FSError) as e:
        fs.remove("/opt/a")
    assert e.value.strerror == "Is a directory"
    fs.rename("/opt/a", "/opt/z")
    assert fs.read("/opt/z/b/c/f") == "1"
    assert not fs.exists("/opt/a/b")
    fs.remove("/opt/z", recursive=True)
    assert fs.listdir("/opt") == []


def test_state_round_trip_is_json():
    fs = HostFS(clock=lambda: 1736388719.0)
    fs.mkdir("/root/yaml")
    fs.write("/root/yaml/svc.yml", "kind: Service\n")
    state = json.loads(json.dumps(fs.to_state()))
    back = HostFS.from_state(state)
    assert back.read("/root/yaml/svc.yml") == "kind: Service\n"
    assert back.stat("/root/yaml/svc.yml").mtime == 1736388719.0
    assert back.to_state() == fs.to_state()
