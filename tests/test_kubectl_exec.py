"""kubectl exec: tutorial flows, errors as kubectl 1.32 and containerd print them."""
from __future__ import annotations

from lab.sim.world import World


def _world(profile: str, *lines: str) -> World:
    w = World.from_profile(profile)
    for line in lines:
        assert w.run(line).status == 0
    w.advance(40)
    return w


def _bootcamp(w: World) -> str:
    return next(p["metadata"]["name"] for p in w.api.list("pods")
                if p["metadata"]["name"].startswith("kubernetes-bootcamp"))


def test_kubernetes_basics_exec_curl_localhost():
    w = _world("minikube", "kubectl create deployment kubernetes-bootcamp "
                           "--image=gcr.io/google-samples/kubernetes-bootcamp:v1")
    pod = _bootcamp(w)
    # the tutorial's old form: kubectl 1.31 and later refuse it (real kubectl 1.32.4's text)
    r = w.run(f"export POD_NAME={pod}; kubectl exec -ti $POD_NAME curl localhost:8080")
    assert (r.stdout, r.status) == ("", 1)
    assert r.stderr == ("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
                        "See 'kubectl exec -h' for help and examples\n")
    r = w.run(f"kubectl exec -q {pod} curl localhost:8080")
    assert r.stderr.startswith("error: exec [POD] [COMMAND] is not supported anymore.")
    r = w.run(f"kubectl exec -ti {pod} -- curl localhost:8080")
    # a raw terminal: CRLF line ends
    assert (r.stdout, r.stderr) == (f"Hello Kubernetes bootcamp! | Running on: {pod} | v=1\r\n", "")
    r = w.run(f"kubectl exec {pod} -- curl -s localhost:8080")
    assert (r.stdout, r.stderr) == (f"Hello Kubernetes bootcamp! | Running on: {pod} | v=1\n", "")
    log = w.run(f"kubectl logs {pod}").stdout.splitlines()
    assert log[-1] == (f"Running On: {pod} | Total Requests: 2 | App Uptime: "
                       f"{log[-1].split('App Uptime: ')[1].split(' ')[0]} seconds | Log Time: 2026-12-01T09:00:40.000Z")
    assert log[0].startswith("Kubernetes Bootcamp App Started At: 2026-12-01T09:00:")


def test_exec_errors():
    w = _world("kubeadm", "kubectl run bb --image=busybox:1.28 -- sleep 3600",
               "kubectl run web --image=nginx")
    r = w.run("kubectl exec bb -- curl localhost")
    assert r.status == 1
    assert r.stderr.startswith('error: Internal error occurred: error executing command in container: '
                               'failed to exec in container: failed to start exec "')
    assert r.stderr.endswith('": OCI runtime exec failed: exec failed: unable to start container process: '
                             'exec: "curl": executable file not found in $PATH: unknown\n')
    r = w.run("kubectl exec bb -- sh -c 'curl localhost'")
    assert (r.stderr, r.status) == ("sh: curl: not found\ncommand terminated with exit code 127\n", 127)
    assert w.run("kubectl exec web -- bash -c 'wget x'").stderr == (
        "bash: wget: command not found\ncommand terminated with exit code 127\n")
    assert w.run("kubectl exec bb -c x -- ls").stderr == (
        "Error from server (BadRequest): container x is not valid for pod bb\n")
    assert w.run("kubectl exec nope -- ls").stderr == 'Error from server (NotFound): pods "nope" not found\n'
    assert w.run("kubectl exec bb").stderr == "error: you must specify at least one command for the container\n"
    assert w.run("kubectl exec").stderr == "error: pod, type/name or --filename must be specified\n"


def test_exec_runs_in_the_container_fs_and_hostname():
    w = _world("kubeadm", "kubectl run web --image=nginx")
    r = w.run("kubectl exec web -- sh -c 'echo hi > /usr/share/nginx/html/hi.txt; hostname'")
    assert (r.stdout, r.status) == ("web\n", 0)
    ip = w.api.get("pods", "web")["status"]["podIP"]
    assert w.run(f"curl -s {ip}/hi.txt").stdout == "hi\n"
    assert w.run("kubectl exec web -- cat /usr/share/nginx/html/hi.txt").stdout == "hi\n"
    # the node's own files are not the container's
    assert w.run("cat /usr/share/nginx/html/hi.txt").status == 1


def test_exec_completed_pod():
    w = _world("kubeadm", "kubectl run job --image=busybox --restart=Never -- sh -c 'echo done'")
    assert w.api.get("pods", "job")["status"]["phase"] == "Succeeded"
    assert w.run("kubectl exec job -- ls").stderr == (
        "error: cannot exec into a container in a completed pod; current phase is Succeeded\n")
