package contactcenter_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// TestRequest_WhileTheFirstTickLoads: a host starts Run (its first Tick
// loads the services stored) and requests a service at once. The Tick
// finds the new service in the Store and stores its plans before
// Request has: Request must not then fail trying to do it again. The
// Store below makes that order certain: its List waits for the Create,
// and the Create returns only once the Tick has moved the service on.
func TestRequest_WhileTheFirstTickLoads(t *testing.T) {
	w := newWorld(t)
	st := &tickFirst{Store: w.store, created: make(chan struct{}), moved: make(chan struct{})}
	cfg := w.Config("")
	cfg.Store = st
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		assert.NoError(t, lc.Tick(context.Background()))
	}()
	svc, err := lc.Request(context.Background(), conference("conf-first-tick"))
	require.NoError(t, err)
	wg.Wait()
	assert.Equal(t, contactcenter.Scheduled, svc.State, "the Tick stored its plans")
	assert.Equal(t, contactcenter.Scheduled, w.State(t, svc.ID))
}

// tickFirst is a Store whose List waits for the first Create, and whose
// Create returns once the created service has been updated.
type tickFirst struct {
	contactcenter.Store
	created, moved chan struct{}
	once           sync.Once
	id             string
}

func (s *tickFirst) Create(ctx context.Context, svc contactcenter.Service) (contactcenter.Service, error) {
	s.id = svc.ID
	out, err := s.Store.Create(ctx, svc)
	close(s.created)
	<-s.moved
	return out, err
}

func (s *tickFirst) List(ctx context.Context, states ...contactcenter.State) ([]contactcenter.Service, error) {
	<-s.created
	return s.Store.List(ctx, states...)
}

func (s *tickFirst) Update(ctx context.Context, svc contactcenter.Service) (contactcenter.Service, error) {
	out, err := s.Store.Update(ctx, svc)
	if svc.ID == s.id {
		s.once.Do(func() { close(s.moved) })
	}
	return out, err
}
