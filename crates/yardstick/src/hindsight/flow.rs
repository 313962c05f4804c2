//! Maximum-value flow of `K` units through the time-ordered network, by successive shortest
//! paths.
//!
//! Nodes `0..n` are moments in time order. Chain arcs `i → i+1` (capacity `K`, value 0) carry
//! idle money; job arcs `a → b` (`a < b`) carry lent units at a value `w` per unit. Costs are
//! the negated values, so a maximum-value flow is a minimum-cost one. Every arc goes forward in
//! time, so the first potentials (shortest distances) come from one pass in node order; then
//! each round runs Dijkstra on reduced costs from node 0, stops as soon as the last node is
//! settled, moves the potentials of the nodes settled before it, and augments along the path
//! by its bottleneck. A round whose path earns nothing ends the search: the remaining units
//! stay idle.

/// One opportunity as an arc.
#[derive(Debug, Clone, Copy)]
pub(super) struct JobArc {
    /// Start node.
    pub a: u32,
    /// End node (`> a`).
    pub b: u32,
    /// Capacity in units (at least 1, at most `K`).
    pub cap: u32,
    /// Value of one unit (non-negative).
    pub w: i64,
}

const INF: i64 = i64::MAX / 4;
const NONE: u32 = u32::MAX;
const CHAIN_FWD: u32 = u32::MAX;
const CHAIN_REV: u32 = u32::MAX - 1;
const REV: u32 = 1 << 31;

/// Per node, what relaxing an arc into it reads.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Potential.
    pi: i64,
    /// Reduced distance in the current round (`INF`: not reached).
    dist: i64,
}

/// A job arc as a Dijkstra step reads it.
#[derive(Debug, Clone, Copy)]
struct Out {
    w: i64,
    b: u32,
    /// Residual capacity.
    res: u32,
}

/// Units carried by each job arc in a maximum-value flow of `k` units from node 0 to node
/// `nodes − 1` (fewer than `k` when the rest earns nothing).
pub(super) fn max_value_flow(jobs: &[JobArc], nodes: usize, k: u32) -> Vec<u32> {
    // Job indices, with the reverse flag, must stay clear of the chain codes.
    assert!(jobs.len() < (REV - 2) as usize && nodes >= 2 && k < REV);
    let mut net = Residual::new(jobs, nodes, k);
    let t = nodes - 1;
    let mut touched: Vec<u32> = Vec::new();
    let mut heap = RadixHeap::new();
    let mut sent = 0;
    while sent < k {
        net.node[0].dist = 0;
        touched.push(0);
        heap.push(0, 0);
        while let Some((d, u)) = heap.pop() {
            let (d, u) = (d as i64, u as usize);
            let here = net.node[u];
            if d > here.dist {
                continue;
            }
            if u == t {
                break;
            }
            let pu = here.pi + d;
            let forth = u < t && net.idle[u] < k;
            let back = u > 0 && net.idle[u - 1] > 0;
            let (begin, end) = (net.first[u], net.first[u + 1]);
            let used = net.used[u];
            let node = &mut net.node;
            let parent = &mut net.parent;
            let mut relax = |v: usize, cost: i64, via: u32| {
                let n = &mut node[v];
                let nd = pu + cost - n.pi;
                debug_assert!(nd >= d, "reduced costs stay non-negative");
                if nd < n.dist {
                    if n.dist == INF {
                        touched.push(v as u32);
                    }
                    n.dist = nd;
                    parent[v] = via;
                    heap.push(nd as u64, v as u32);
                }
            };
            if forth {
                relax(u + 1, 0, CHAIN_FWD);
            }
            if back {
                relax(u - 1, 0, CHAIN_REV);
            }
            for j in begin..end {
                let o = net.out[j as usize];
                if o.res > 0 {
                    relax(o.b as usize, -o.w, j);
                }
            }
            let mut j = used;
            while j != NONE {
                let i = j as usize;
                relax(net.a[i] as usize, net.out[i].w, j | REV);
                j = net.next_used[i];
            }
        }
        heap.clear();
        let dt = net.node[t].dist;
        debug_assert!(dt < INF, "the chain always leads to the last node");
        // π(v) += min(d(v), d(t)), less the constant d(t): only nodes settled before the last
        // node move, and every residual arc keeps a non-negative reduced cost.
        for &v in &touched {
            let n = &mut net.node[v as usize];
            if n.dist < dt {
                n.pi += n.dist - dt;
            }
            n.dist = INF;
        }
        touched.clear();
        let (push, cost) = net.path(t, k - sent);
        if cost >= 0 {
            break;
        }
        net.augment(t, push);
        sent += push;
    }
    net.flows()
}

/// The residual network: job arcs grouped by start node, idle units per chain arc, and per end
/// node the jobs carrying flow (their reverse arcs).
struct Residual {
    k: u32,
    node: Vec<Node>,
    /// How the current round reached each node.
    parent: Vec<u32>,
    /// Idle units on the chain arc from each node to the next.
    idle: Vec<u32>,
    /// Jobs starting at node `u`: `first[u]..first[u + 1]` (jobs are sorted by start node).
    first: Vec<u32>,
    /// Per node, the first job ending there that carries flow (a list through `next_used`).
    used: Vec<u32>,
    /// Job arcs in start-node order.
    out: Vec<Out>,
    a: Vec<u32>,
    cap: Vec<u32>,
    next_used: Vec<u32>,
    /// Position of each job in the caller's slice.
    orig: Vec<u32>,
}

impl Residual {
    fn new(jobs: &[JobArc], nodes: usize, k: u32) -> Self {
        let mut order: Vec<u32> = (0..jobs.len() as u32).collect();
        order.sort_unstable_by_key(|&i| jobs[i as usize].a);
        let sorted: Vec<JobArc> = order.iter().map(|&i| jobs[i as usize]).collect();
        let mut first = vec![0u32; nodes + 1];
        for j in &sorted {
            first[j.a as usize + 1] += 1;
        }
        for v in 0..nodes {
            first[v + 1] += first[v];
        }
        let mut net = Self {
            k,
            node: vec![Node { pi: INF, dist: INF }; nodes],
            parent: vec![NONE; nodes],
            idle: vec![0; nodes],
            first,
            used: vec![NONE; nodes],
            out: sorted
                .iter()
                .map(|j| Out {
                    w: j.w,
                    b: j.b,
                    res: j.cap,
                })
                .collect(),
            a: sorted.iter().map(|j| j.a).collect(),
            cap: sorted.iter().map(|j| j.cap).collect(),
            next_used: vec![NONE; sorted.len()],
            orig: order,
        };
        net.initial_potentials();
        net
    }

    /// Shortest distances from node 0 with every arc at full residual capacity: one pass in
    /// node order, since all arcs go forward.
    fn initial_potentials(&mut self) {
        let nodes = self.node.len();
        self.node[0].pi = 0;
        for u in 0..nodes {
            let pu = self.node[u].pi;
            if u + 1 < nodes {
                let next = &mut self.node[u + 1].pi;
                *next = (*next).min(pu);
            }
            for j in self.first[u]..self.first[u + 1] {
                let o = self.out[j as usize];
                let pb = &mut self.node[o.b as usize].pi;
                *pb = (*pb).min(pu - o.w);
            }
        }
    }

    /// The node an arc comes from, its residual capacity and its cost, given the node it
    /// enters and how it was reached.
    fn arc(&self, v: usize, via: u32) -> (usize, u32, i64) {
        match via {
            CHAIN_FWD => (v - 1, self.k - self.idle[v - 1], 0),
            CHAIN_REV => (v + 1, self.idle[v], 0),
            j if j & REV != 0 => {
                let j = (j & !REV) as usize;
                let o = self.out[j];
                (o.b as usize, self.cap[j] - o.res, o.w)
            }
            j => {
                let j = j as usize;
                (self.a[j] as usize, self.out[j].res, -self.out[j].w)
            }
        }
    }

    /// Bottleneck (at most `limit`) and cost of the path to `t`.
    fn path(&self, t: usize, limit: u32) -> (u32, i64) {
        let (mut push, mut cost, mut v) = (limit, 0, t);
        while v != 0 {
            let (u, res, c) = self.arc(v, self.parent[v]);
            push = push.min(res);
            cost += c;
            v = u;
        }
        (push, cost)
    }

    fn augment(&mut self, t: usize, push: u32) {
        let mut v = t;
        while v != 0 {
            let via = self.parent[v];
            let (u, _, _) = self.arc(v, via);
            match via {
                CHAIN_FWD => self.idle[u] += push,
                CHAIN_REV => self.idle[v] -= push,
                j if j & REV != 0 => {
                    let j = j & !REV;
                    let i = j as usize;
                    self.out[i].res += push;
                    if self.out[i].res == self.cap[i] {
                        self.unlist(i);
                    }
                }
                j => {
                    let i = j as usize;
                    if self.out[i].res == self.cap[i] {
                        let b = self.out[i].b as usize;
                        self.next_used[i] = self.used[b];
                        self.used[b] = j;
                    }
                    self.out[i].res -= push;
                }
            }
            v = u;
        }
    }

    /// Takes job `i` off its end node's list of jobs carrying flow.
    fn unlist(&mut self, i: usize) {
        let b = self.out[i].b as usize;
        let next = self.next_used[i];
        if self.used[b] == i as u32 {
            self.used[b] = next;
            return;
        }
        let mut j = self.used[b] as usize;
        while self.next_used[j] != i as u32 {
            j = self.next_used[j] as usize;
        }
        self.next_used[j] = next;
    }

    /// Units on each job arc, in the caller's order.
    fn flows(&self) -> Vec<u32> {
        let mut out = vec![0; self.orig.len()];
        for (j, &o) in self.orig.iter().enumerate() {
            out[o as usize] = self.cap[j] - self.out[j].res;
        }
        out
    }
}

/// A monotone priority queue for non-negative integer keys: each pop returns a key no smaller
/// than the previous one, which Dijkstra with non-negative reduced costs guarantees. Bucket `i`
/// holds the keys whose highest bit differing from the last popped key is bit `i − 1`.
struct RadixHeap {
    last: u64,
    /// Bit `i` set: bucket `i` is not empty.
    filled: u128,
    buckets: [Vec<(u64, u32)>; 65],
}

impl RadixHeap {
    fn new() -> Self {
        Self {
            last: 0,
            filled: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
        }
    }

    fn bucket(last: u64, key: u64) -> usize {
        (u64::BITS - (key ^ last).leading_zeros()) as usize
    }

    fn push(&mut self, key: u64, value: u32) {
        debug_assert!(key >= self.last);
        let b = Self::bucket(self.last, key);
        self.buckets[b].push((key, value));
        self.filled |= 1 << b;
    }

    fn pop(&mut self) -> Option<(u64, u32)> {
        if self.filled & 1 == 0 {
            if self.filled == 0 {
                return None;
            }
            let i = self.filled.trailing_zeros() as usize;
            let mut moved = std::mem::take(&mut self.buckets[i]);
            self.filled &= !(1 << i);
            self.last = moved.iter().map(|e| e.0).min()?;
            for &(key, value) in &moved {
                let b = Self::bucket(self.last, key);
                self.buckets[b].push((key, value));
                self.filled |= 1 << b;
            }
            // Keep the emptied bucket's allocation.
            moved.clear();
            self.buckets[i] = moved;
        }
        let top = self.buckets[0].pop();
        if self.buckets[0].is_empty() {
            self.filled &= !1;
        }
        top
    }

    fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.last = 0;
        self.filled = 0;
    }
}
