"""The controllers' own writes skip strict decoding for speed; this flow turns
it back on and checks that every object they write is one the real schemas
accept (an unknown field or wrong type would raise here)."""
from lab.sim.world import World


def test_controllers_write_only_schema_valid_objects():
    world = World.from_profile("kubeadm")
    world.api.strict_internal = True
    for line in ("kubectl create deployment web --image=nginx --replicas=3",
                 "kubectl expose deployment web --port=80 --type=LoadBalancer",
                 "sleep 20",
                 "kubectl scale deployment web --replicas=1",
                 "kubectl set image deployment/web nginx=nginx:1.27",
                 "sleep 30",
                 "kubectl delete pod -l app=web --wait=false",
                 "sleep 40"):
        result = world.run(line)
        assert result.status == 0, (line, result.stderr)
    assert world.run("kubectl get deploy web -o jsonpath={.status.readyReplicas}").stdout == "1"
