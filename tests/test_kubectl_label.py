"""kubectl label / annotate: pairs, overwrite rules, patches and result words (checked against kubectl 1.32)."""
from lab.sim.world import World


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def world_with_pod():
    w = World.from_profile("kubeadm")
    w.api.create({"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": "p1", "labels": {"app": "nginx", "run": "p1"}, "annotations": {"a": "1"}},
                  "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
    return w


def labels(w):
    return w.api.get("pods", "p1")["metadata"].get("labels")


def test_tutorial_label_pod():
    w = world_with_pod()
    assert run(w, "kubectl label pod p1 app=v1") == (
        "", "error: 'app' already has a value (nginx), and --overwrite is false\n", 1)
    assert run(w, "kubectl label pod p1 app=v1 --overwrite") == ("pod/p1 labeled\n", "", 0)
    assert labels(w) == {"app": "v1", "run": "p1"}
    assert run(w, "kubectl label pods p1 version=v1") == ("pod/p1 labeled\n", "", 0)
    assert labels(w) == {"app": "v1", "run": "p1", "version": "v1"}


def test_label_result_words():
    w = world_with_pod()
    assert run(w, "kubectl label pod p1 app=nginx") == ("pod/p1 not labeled\n", "", 0)
    assert run(w, "kubectl label pod p1 zzz-") == ('label "zzz" not found.\npod/p1 not labeled\n', "", 0)
    assert run(w, "kubectl label pod p1 new=1 run-") == ("pod/p1 unlabeled\n", "", 0)
    assert labels(w) == {"app": "nginx", "new": "1"}
    assert run(w, "kubectl label pod p1 new- --overwrite") == ("pod/p1 labeled\n", "", 0)
    assert run(w, "kubectl label pod/p1 x=1 --dry-run=client") == ("pod/p1 labeled (dry run)\n", "", 0)
    assert labels(w) == {"app": "nginx"}
    assert run(w, "kubectl label pod p1 x=1 -o jsonpath={.metadata.labels.x}") == ("1", "", 0)


def test_label_list_selector_and_all():
    w = world_with_pod()
    w.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p2", "labels": {"app": "other"}},
                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert run(w, "kubectl label pod p1 --list") == ("app=nginx\nrun=p1\n", "", 0)
    assert run(w, "kubectl label pods -l app=nginx tier=fe") == ("pod/p1 labeled\n", "", 0)
    assert run(w, "kubectl label pods --all env=dev") == ("pod/p1 labeled\npod/p2 labeled\n", "", 0)
    assert run(w, "kubectl label pods --all -l a=b x=1") == (
        "", "error: cannot set --all and --selector at the same time\n", 1)
    assert run(w, "kubectl label pod p1 -l app=nginx x=1") == (
        "", "error: name cannot be provided when a selector is specified\n", 1)


def test_label_errors():
    w = world_with_pod()
    assert run(w, "kubectl label pod p1") == ("", "error: at least one label update is required\n", 1)
    assert run(w, "kubectl label") == (
        "", "error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n", 1)
    assert run(w, "kubectl label pod p1 a=b=c") == ("", "error: invalid label spec: a=b=c\n", 1)
    assert run(w, "kubectl label pod p1 a=b a-") == (
        "", "error: can not both modify and remove a label in the same command\n", 1)
    assert run(w, "kubectl label pod p1 x=1 extra") == (
        "", "error: all resources must be specified before label changes: extra\n", 1)
    assert run(w, "kubectl label pod p1 'k=bad!'") == (
        "", "error: invalid label value: \"k=bad!\": a valid label must be an empty string or consist of "
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n", 1)
    assert run(w, "kubectl label pod missing x=1") == ("", 'Error from server (NotFound): pods "missing" not found\n', 1)
    out, err, status = run(w, "kubectl label pod p1 x=1 --resource-version=5")
    assert (out, status) == ("", 1) and err.startswith("Error from server (Conflict): ")


def test_annotate():
    w = world_with_pod()
    assert run(w, "kubectl annotate pod p1 a=2") == (
        "", "error: --overwrite is false but found the following declared annotation(s): "
            "'a' already has a value (1)\n", 1)
    assert run(w, "kubectl annotate pod p1 a=2 --overwrite") == ("pod/p1 annotated\n", "", 0)
    assert run(w, "kubectl annotate pod p1 'note=has space'") == ("pod/p1 annotated\n", "", 0)
    assert run(w, "kubectl annotate pod p1 a-") == ("pod/p1 annotated\n", "", 0)
    assert w.api.get("pods", "p1")["metadata"]["annotations"] == {"note": "has space"}
    assert run(w, "kubectl annotate pod p1 --list") == ("note=has space\n", "", 0)
    assert run(w, "kubectl annotate pod p1") == ("", "error: at least one annotation update is required\n", 1)
