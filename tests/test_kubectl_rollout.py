"""kubectl rollout status/history/undo/restart/pause/resume against the lab's controllers."""
from lab.sim.world import World

W = 'Waiting for deployment "nginx" rollout to finish: '


def run(w, line):
    r = w.run(line)
    return r.stdout, r.stderr, r.status


def rolled_out():
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment nginx --image=nginx --replicas=3")
    return w


def test_status_of_a_new_deployment_waits_on_the_clock():
    w = rolled_out()
    before = w.clock.elapsed
    assert run(w, "kubectl rollout status deployment/nginx") == (
        W + "0 of 3 updated replicas are available...\n"
        + W + "1 of 3 updated replicas are available...\n"
        + W + "2 of 3 updated replicas are available...\n"
        'deployment "nginx" successfully rolled out\n', "", 0)
    assert w.clock.elapsed > before
    assert run(w, "kubectl rollout status deploy nginx") == ('deployment "nginx" successfully rolled out\n', "", 0)


def test_status_during_an_image_update():
    w = rolled_out()
    w.advance(30)
    w.run("kubectl set image deployment/nginx nginx=nginx:1.27")
    assert run(w, "kubectl rollout status deployment/nginx") == (
        (W + "1 out of 3 new replicas have been updated...\n") * 2
        + (W + "2 out of 3 new replicas have been updated...\n") * 2
        + (W + "1 old replicas are pending termination...\n") * 2
        + 'deployment "nginx" successfully rolled out\n', "", 0)


def test_status_watch_false_timeout_and_errors():
    w = rolled_out()
    w.advance(30)
    w.run("kubectl set image deployment/nginx nginx=nginx:1.27")
    assert run(w, "kubectl rollout status deployment/nginx --watch=false") == (
        W + "1 out of 3 new replicas have been updated...\n", "", 0)
    assert run(w, "kubectl rollout status deployment/nginx --timeout=1s") == (
        W + "1 out of 3 new replicas have been updated...\n", "error: timed out waiting for the condition\n", 1)
    assert run(w, "kubectl rollout status") == ("", "error: required resource not specified\n", 1)
    assert run(w, "kubectl rollout status deployment/nginx --timeout=abc") == (
        "", 'Error: invalid argument "abc" for "--timeout" flag: time: invalid duration "abc"\n'
            "See 'kubectl rollout status --help' for usage.\n", 1)
    assert run(w, "kubectl rollout status deployment/nope") == (
        "", 'Error from server (NotFound): deployments.apps "nope" not found\n', 1)


def test_history_undo_and_revisions():
    w = rolled_out()
    w.advance(30)
    w.run("kubectl set image deployment/nginx nginx=nginx:1.27")
    w.advance(60)
    assert run(w, "kubectl rollout history deployment/nginx") == (
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n", "", 0)
    out, err, status = run(w, "kubectl rollout history deployment/nginx --revision=2")
    assert out.startswith("deployment.apps/nginx with revision #2\nPod Template:\n  Labels:  app=nginx\n")
    assert "    Image:         nginx:1.27\n" in out
    assert run(w, "kubectl rollout history deployment/nginx --revision=7") == (
        "", "error: unable to find the specified revision\n", 1)
    assert run(w, "kubectl rollout undo deployment/nginx --to-revision=9") == (
        "", "error: unable to find specified revision 9 in history\n", 1)
    assert run(w, "kubectl rollout undo deployment/nginx") == ("deployment.apps/nginx rolled back\n", "", 0)
    w.advance(60)
    d = w.api.get("deployments", "nginx")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert run(w, "kubectl rollout history deployment/nginx") == (
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n", "", 0)
    rs1 = [rs for rs in w.api.list("replicasets", namespace="default")
           if rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"][0]
    assert rs1["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert run(w, "kubectl rollout undo deployment/nginx --to-revision=3") == (
        "deployment.apps/nginx skipped rollback (current template already matches revision 3)\n", "", 0)


def test_change_cause_annotation_is_shown():
    w = rolled_out()
    w.advance(30)
    w.run("kubectl annotate deployment nginx kubernetes.io/change-cause='image 1.27'")
    w.run("kubectl set image deployment/nginx nginx=nginx:1.27")
    w.advance(60)
    assert run(w, "kubectl rollout history deployment/nginx")[0] == (
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         image 1.27\n2         image 1.27\n\n")


def test_restart_pause_resume():
    w = rolled_out()
    w.advance(21)
    assert run(w, "kubectl rollout restart deployment/nginx") == ("deployment.apps/nginx restarted\n", "", 0)
    annotations = w.api.get("deployments", "nginx")["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt": w.clock.timestamp()}
    assert run(w, "kubectl rollout pause deployment/nginx") == ("deployment.apps/nginx paused\n", "", 0)
    assert run(w, "kubectl rollout pause deployment/nginx") == (
        "", 'error: deployments.apps "nginx" is already paused\n', 1)
    assert run(w, "kubectl rollout restart deployment/nginx") == (
        "", 'error: deployments.apps "nginx" can\'t restart paused deployment (run rollout resume first)\n', 1)
    assert run(w, "kubectl rollout undo deployment/nginx") == (
        "", "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' "
            "and try again\n", 1)
    assert run(w, "kubectl rollout resume deployment/nginx") == ("deployment.apps/nginx resumed\n", "", 0)
    assert run(w, "kubectl rollout resume deployment/nginx") == (
        "", 'error: deployments.apps "nginx" is not paused\n', 1)
    assert "paused" not in w.api.get("deployments", "nginx")["spec"]
