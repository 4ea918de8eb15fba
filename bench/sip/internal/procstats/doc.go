// Package procstats writes a process's resource use as JSON lines, for
// the SIP benchmark script (bench/sip/run.sh) to read: CPU time (user and
// system, from getrusage), live heap, resident memory and goroutines, once
// a second and, on SIGUSR1, right after a forced garbage collection.
// Benchmark support only: not part of the SDK.
package procstats
