"""``python3 -m shopify_simulator --port 8765 --seed 1 --products 300 --orders 40``"""

import argparse
import sys

from shopify_simulator.server import SimulatorServer
from shopify_simulator.simulator import Simulator


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m shopify_simulator", description="Local Shopify Admin API simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--variants-min", type=int, default=1)
    parser.add_argument("--variants-max", type=int, default=4)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--locations", type=int, default=2)
    parser.add_argument(
        "--plan", default="standard", choices=["standard", "advanced", "plus", "enterprise"]
    )
    parser.add_argument("--shop-name", default="simulator-shop")
    parser.add_argument("--access-token", default=None)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--expires-in", type=int, default=86399)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    sim = Simulator(
        seed=args.seed,
        products=args.products,
        variants_per_product=(args.variants_min, args.variants_max),
        orders=args.orders,
        customers=args.customers,
        locations=args.locations,
        plan=args.plan,
        shop_name=args.shop_name,
        access_token=args.access_token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        expires_in=args.expires_in,
    )
    server = SimulatorServer(sim, host=args.host, port=args.port, verbose=args.verbose)
    server.start()
    print(f"base_url={server.base_url}")
    print(f"shop_domain={sim.shop_domain}")
    print(f"access_token={sim.access_token}")
    print(f"client_id={sim.client_id}")
    print(f"client_secret={sim.client_secret}")
    sys.stdout.flush()
    try:
        server._thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
