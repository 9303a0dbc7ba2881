"""A Kubernetes-compatible REST API per lab, served under /k8s/<lab id>/.

Real clients (kubectl, the official Python client, k9s, Headlamp) talk to a
lab's simulated apiserver (lab.sim.api) through it; each request is one
transaction on the lab, like a command typed in its terminal.
"""
