"""Cluster DNS: CoreDNS's answers, the Pods' resolv.conf, the resolver and the lookup tools.

- corefile.py: the Corefile as CoreDNS reads it (zones, ttl, pods mode);
- records.py: what the kubernetes plugin answers (the Kubernetes DNS spec);
- upstream.py: the lab network's resolver (nodes, `forward .`);
- resolvconf.py: /etc/resolv.conf and /etc/hosts as the kubelet writes them;
- resolver.py: the stub resolver (hosts file, search list, ndots, queries
  as packets through `connect()`);
- tools.py: nslookup, dig, host, getent.
"""
