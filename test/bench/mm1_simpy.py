#!/usr/bin/env python3
"""The same M/M/1 (or M/D/1) queue as the simulator's `mm1` scenario, in SimPy 2
(Debian: apt-get install python3-simpy). Prints one JSON line: customers,
wall and CPU seconds, mean wait (us). Usage: mm1_simpy.py COUNT RATE_PER_S HOLD_US [det]"""
import json
import random
import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
RATE = float(sys.argv[2]) / 1e6 if len(sys.argv) > 2 else 0.08   # arrivals per us
HOLD = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0         # us
DET = len(sys.argv) > 4 and sys.argv[4] == 'det'


class Stats:
    waits = 0.0
    done = 0


class Customer(Process):
    def visit(self, lock):
        arrive = now()
        yield request, self, lock
        Stats.waits += now() - arrive
        yield hold, self, HOLD if DET else random.expovariate(1.0 / HOLD)
        yield release, self, lock
        Stats.done += 1


class Source(Process):
    def generate(self, lock):
        for _ in range(COUNT):
            c = Customer()
            activate(c, c.visit(lock))
            yield hold, self, random.expovariate(RATE)


def main():
    random.seed(1)
    initialize()
    lock = Resource(capacity=1, name='mmap_lock', unitName='writer')
    s = Source()
    activate(s, s.generate(lock))
    t0 = time.perf_counter()
    c0 = time.process_time()
    simulate(until=1e18)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({'customers': Stats.done, 'wall_s': wall, 'cpu_s': cpu, 'mean_wait_us': Stats.waits / max(1, Stats.done)}))


if __name__ == '__main__':
    main()
