"""`python -m portalsim [--port-base N]`: run every simulated portal in the foreground, print the registry."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from portalsim.sim import PortalSim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portalsim", description=__doc__)
    parser.add_argument("--port-base", type=int, default=None, help="first port (sites take N, N+1, ...)")
    parser.add_argument("--sites", nargs="*", default=None, help="site ids to start (default: all)")
    parser.add_argument("--scale", type=int, default=1, help="copies of each report (for load tests)")
    parser.add_argument("--delay", type=float, default=0.0, help="per-site delay written into the registry")
    args = parser.parse_args(argv)
    with PortalSim(sites=args.sites, port_base=args.port_base, scale=args.scale) as sim:
        sys.stdout.write(sim.registry_yaml(delay=args.delay))
        sys.stdout.flush()
        print("# serving; Ctrl-C to stop", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
