"""poweroff, reboot, shutdown and systemctl on the lab's hosts."""
from __future__ import annotations

from lab.sim.hostcmds import format_relative
from lab.sim.world import World

KUBELET_HEAD = """\
     Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; preset: disabled)
    Drop-In: /usr/lib/systemd/system/kubelet.service.d
             └─10-kubeadm.conf
"""


def run(world: World, line: str, host: str = "k8s-node1") -> tuple[str, str, int]:
    res = world.run(line, host=host)
    return res.stdout, res.stderr, res.status


def test_relative_times_as_systemd_prints_them():
    assert [format_relative(s) for s in (0, 5, 65, 300, 3700, 7 * 3600, 26 * 3600, 3 * 86400 + 3600)] == [
        "now", "5s ago", "1min 5s ago", "5min ago", "1h 1min ago", "7h ago", "1 day 2h ago", "3 days ago"]


def test_status_of_a_running_kubelet():
    world = World.from_profile("kubeadm")
    assert run(world, "systemctl status kubelet") == (
        "● kubelet.service - kubelet: The Kubernetes Node Agent\n" + KUBELET_HEAD +
        "     Active: active (running) since Sat 2026-11-28 08:00:00 UTC; 3 days ago\n"
        "       Docs: https://kubernetes.io/docs/\n"
        "   Main PID: 1043 (kubelet)\n"
        "      Tasks: 14 (limit: 22960)\n"
        "     Memory: 48.6M\n"
        "     CGroup: /system.slice/kubelet.service\n"
        "             └─1043 /usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
        "--kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml "
        "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock "
        "--pod-infra-container-image=registry.k8s.io/pause:3.10\n", "", 0)
    assert run(world, "systemctl is-active kubelet") == ("active\n", "", 0)


def test_stop_and_start_kubelet():
    world = World.from_profile("kubeadm")
    assert run(world, "systemctl stop kubelet") == ("", "", 0)
    assert not world.hosts["k8s-node1"].kubelet_running
    run(world, "sleep 12", host="k8s-master")
    assert run(world, "systemctl status kubelet") == (
        "○ kubelet.service - kubelet: The Kubernetes Node Agent\n" + KUBELET_HEAD +
        "     Active: inactive (dead) since Tue 2026-12-01 09:00:00 UTC; 12s ago\n"
        "       Docs: https://kubernetes.io/docs/\n"
        "    Process: 1043 ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS "
        "$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS (code=exited, status=0/SUCCESS)\n"
        "   Main PID: 1043 (code=exited, status=0/SUCCESS)\n", "", 3)
    assert run(world, "systemctl is-active kubelet") == ("inactive\n", "", 3)
    assert run(world, "systemctl start kubelet") == ("", "", 0)
    stdout, _, status = run(world, "systemctl status kubelet")
    assert status == 0
    assert "     Active: active (running) since Tue 2026-12-01 09:00:12 UTC; now\n" in stdout


def test_unknown_units_and_verbs():
    world = World.from_profile("kubeadm")
    assert run(world, "systemctl status docker") == ("", "Unit docker.service could not be found.\n", 4)
    assert run(world, "systemctl restart docker") == ("", "Failed to restart docker.service: Unit docker.service "
                                                          "not found.\n", 5)
    assert run(world, "systemctl stop") == ("", "Too few arguments.\n", 1)
    assert run(world, "systemctl status kubelet", host="external") == (
        "", "Unit kubelet.service could not be found.\n", 4)
    assert run(world, "systemctl is-active containerd") == ("active\n", "", 0)


def test_poweroff_ends_the_session_and_the_host_is_unreachable():
    world = World.from_profile("kubeadm")
    assert run(world, "poweroff; echo after") == (
        "", "Connection to 192.168.56.11 closed by remote host.\nConnection to 192.168.56.11 closed.\n", 255)
    assert not world.hosts["k8s-node1"].powered
    assert run(world, "hostname") == ("", "ssh: connect to host 192.168.56.11 port 22: No route to host\n", 255)
    assert run(world, "hostname", host="k8s-node2") == ("k8s-node2\n", "", 0)


def test_shutdown_now_and_shutdown_r():
    world = World.from_profile("kubeadm")
    assert run(world, "shutdown -h now", host="k8s-node2")[2] == 255
    assert not world.hosts["k8s-node2"].powered
    assert run(world, "shutdown -r now")[2] == 255
    run(world, "sleep 40", host="k8s-master")
    assert world.hosts["k8s-node1"].powered and not world.hosts["k8s-node2"].powered


def test_the_control_plane_and_the_client_stay_on():
    world = World.from_profile("kubeadm")
    assert run(world, "poweroff", host="k8s-master") == (
        "", "poweroff: the control-plane node k8s-master cannot be turned off in this lab\n", 1)
    assert run(world, "reboot", host="external") == ("", "reboot: this lab's external host cannot be turned off\n", 1)
    assert world.hosts["k8s-master"].powered and world.hosts["external"].powered
