package scaling

import (
	"context"
	"time"
)

// SourceFunc adapts a function to a [TrafficSource], for tests, examples
// and simulations that replay recorded or synthetic traffic. It does none
// of the bookkeeping of the TrafficSource contract (intervals, first
// calls, ownership of the result): the function must.
type SourceFunc func(ctx context.Context, serviceID string, now time.Time) ([]Sample, error)

var _ TrafficSource = SourceFunc(nil)

// Samples implements [TrafficSource]: it returns ctx.Err() when ctx is
// done, and f's answer otherwise.
func (f SourceFunc) Samples(ctx context.Context, serviceID string, now time.Time) ([]Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f(ctx, serviceID, now)
}
