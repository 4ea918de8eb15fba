package sipchannel

import (
	"context"
	"log/slog"

	"github.com/go-logr/logr"
)

// sipgoLogger returns the *slog.Logger handed to sipgo's layers: sipgo
// logs through slog, the channel through logr. Records go to
// l.WithName("sipgo") one verbosity level down, and sipgo's errors and
// warnings become plain V(1) messages: they are about peers' messages (a
// datagram that does not parse, a retransmission) rather than about the
// host, and a peer must not be able to flood the host's error log. sipgo's
// package-wide default logger (sip.SetDefaultLogger) is left alone.
func sipgoLogger(l logr.Logger) *slog.Logger {
	return slog.New(demote{logr.ToSlogHandler(l.WithName("sipgo").V(1))})
}

// demote is a slog.Handler that caps the level of records at Info, so
// logr sees them as V-level messages and never as errors.
type demote struct{ h slog.Handler }

func (d demote) cap(l slog.Level) slog.Level { return min(l, slog.LevelInfo) }

func (d demote) Enabled(ctx context.Context, l slog.Level) bool { return d.h.Enabled(ctx, d.cap(l)) }

func (d demote) Handle(ctx context.Context, r slog.Record) error {
	r.Level = d.cap(r.Level)
	return d.h.Handle(ctx, r)
}

func (d demote) WithAttrs(as []slog.Attr) slog.Handler { return demote{d.h.WithAttrs(as)} }

func (d demote) WithGroup(name string) slog.Handler { return demote{d.h.WithGroup(name)} }
