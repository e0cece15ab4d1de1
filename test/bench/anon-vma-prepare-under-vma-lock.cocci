// Coccinelle counterpart of mm-lock-lens's anon-vma-prepare-under-vma-lock,
// for the benchmark: anon_vma_prepare() or __anon_vma_prepare() in a function
// that also tests FAULT_FLAG_VMA_LOCK (so it may run under the per-VMA lock).
// Purely local: no call graph, no ops tables, no kernel versions.

@vmalock@
identifier fn;
expression F;
@@
fn(...)
{
<+...
F & FAULT_FLAG_VMA_LOCK
...+>
}

@prep depends on vmalock@
identifier vmalock.fn;
expression V;
position p;
@@
fn(...)
{
<+...
(
anon_vma_prepare@p(V)
|
__anon_vma_prepare@p(V)
)
...+>
}

@script:python@
p << prep.p;
fn << vmalock.fn;
@@
print("%s:%s: %s() calls anon_vma_prepare() and tests FAULT_FLAG_VMA_LOCK" % (p[0].file, p[0].line, fn))
