"""`kubectl patch`: exact output of kubectl 1.32 against kube-apiserver 1.32."""
from __future__ import annotations

from lab.sim.world import World

SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
"""


def run(world: World, line: str, stdin: str = ""):
    result = world.run(line, stdin=stdin)
    return result.stdout, result.stderr, result.status


def world_with_web() -> World:
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl create -f -", stdin=SVC) == ("service/web created\n", "", 0)
    return world


def test_strategic_patch_then_no_change():
    world = world_with_web()
    assert run(world, """kubectl patch svc web -p '{"spec":{"type":"NodePort"}}'""") == (
        "service/web patched\n", "", 0)
    assert world.api.get("services", "web")["spec"]["type"] == "NodePort"
    assert run(world, """kubectl patch svc web -p '{"spec":{"type":"NodePort"}}'""") == (
        "service/web patched (no change)\n", "", 0)


def test_yaml_patch_merge_and_json_types():
    world = world_with_web()
    assert run(world, "kubectl patch svc/web --type merge -p 'metadata: {labels: {tier: front}}'") == (
        "service/web patched\n", "", 0)
    assert world.api.get("services", "web")["metadata"]["labels"] == {"tier": "front"}
    assert run(world, """kubectl patch service web --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8080}]'""") == (
        "service/web patched\n", "", 0)
    assert world.api.get("services", "web")["spec"]["ports"][0]["port"] == 8080


def test_invalid_result_is_reported_by_the_apiserver():
    world = world_with_web()
    assert run(world, """kubectl patch svc web -p '{"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":8999}]}}'""") == (
        "", 'The Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port is not in the '
            "valid range. The range of valid ports is 30000-32767\n", 1)


def test_bad_patch_text():
    world = world_with_web()
    # Text that starts like JSON goes to the server as is; the apiserver refuses it.
    assert run(world, "kubectl patch svc web -p '{bad'") == (
        "", "Error from server (BadRequest): invalid character 'b' looking for beginning of object key string\n", 1)
    assert run(world, "kubectl patch svc web --type merge -p '{bad'") == (
        "", "Error from server (BadRequest): Invalid JSON Patch\n", 1)
    # YAML is converted by kubectl, which names the YAML error.
    assert run(world, "kubectl patch svc web -p 'a: [1'") == (
        "", "error: unable to parse \"a: [1\": yaml: line 1: did not find expected ',' or ']'\n", 1)
    assert run(world, "kubectl patch svc web --type json -p '{}'") == (
        "", "Error from server (BadRequest): json: cannot unmarshal object into Go value of type jsonpatch.Patch\n", 1)


def test_patch_file_and_dry_runs():
    world = world_with_web()
    world.run("""cat > p.yaml <<'EOF'\nspec:\n  type: NodePort\nEOF""")
    assert run(world, "kubectl patch svc web --patch-file p.yaml --dry-run=client") == (
        "service/web patched (dry run)\n", "", 0)
    assert run(world, "kubectl patch svc web --patch-file p.yaml --dry-run=server") == (
        "service/web patched (server dry run)\n", "", 0)
    assert world.api.get("services", "web")["spec"]["type"] == "ClusterIP"
    assert run(world, "kubectl patch svc web --patch-file p.yaml -o name") == ("service/web\n", "", 0)
    assert run(world, "kubectl patch svc web --patch-file nope.yaml") == (
        "", "error: unable to read patch file: open nope.yaml: no such file or directory\n", 1)


def test_patch_by_file():
    world = world_with_web()
    world.run("cat > svc.yaml", stdin=SVC)
    assert run(world, "kubectl patch -f svc.yaml -p '{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}'") == (
        "service/web patched\n", "", 0)
    assert world.api.get("services", "web")["spec"]["sessionAffinity"] == "ClientIP"


def test_validation_errors():
    world = world_with_web()
    assert run(world, "kubectl patch svc web") == (
        "", "error: must specify --patch or --patch-file containing the contents of the patch\n", 1)
    assert run(world, "kubectl patch svc web -p '{}' --type foo") == (
        "", 'error: --type must be one of [json merge strategic], not "foo"\n', 1)
    assert run(world, "kubectl patch svc web -p '{}' --patch-file x") == (
        "", "error: cannot specify --patch and --patch-file together\n", 1)
    assert run(world, "kubectl patch svc nope -p '{}'") == (
        "", 'Error from server (NotFound): services "nope" not found\n', 1)
    assert run(world, "kubectl patch svc -p '{}'") == (
        "", "error: resource(s) were provided, but no name was specified\n", 1)
