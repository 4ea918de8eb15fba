package routing

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/modality"
)

// ConfigError is the error [New] returns for a Config it refuses:
// "routing.Config" and every problem found, each naming its field
// ("Queues[1].Overflow"). It is one type with contactcenter.ConfigError
// and the other packages' ConfigError.
type ConfigError = configerr.Error

// validate reports every problem of cfg, as given.
func (cfg *Config) validate() error {
	c := configerr.New("routing.Config")
	names := map[string]int{}
	for i, q := range cfg.Queues {
		f := fmt.Sprintf("Queues[%d]", i)
		if q.Name == "" {
			c.Add(f+".Name", "required")
		} else if j, dup := names[q.Name]; dup {
			c.Add(f+".Name", "%q is also Queues[%d]", q.Name, j)
		} else {
			names[q.Name] = i
		}
		if len(q.Modalities) == 0 {
			c.Add(f+".Modalities", "at least one kind is required")
		}
		seen := map[modality.Kind]bool{}
		for j, k := range q.Modalities {
			switch {
			case kindIndex(k) < 0:
				c.Add(fmt.Sprintf("%s.Modalities[%d]", f, j), "unknown kind %q", k)
			case seen[k]:
				c.Add(fmt.Sprintf("%s.Modalities[%d]", f, j), "%q listed twice", k)
			}
			seen[k] = true
		}
		for j, s := range q.Skills {
			if s == "" {
				c.Add(fmt.Sprintf("%s.Skills[%d]", f, j), "empty")
			}
		}
		if q.Strategy != "" && !slices.Contains(Strategies(), q.Strategy) {
			c.Add(f+".Strategy", "unknown strategy %q; want %s, %s, %s or %s", q.Strategy, LongestIdle, RoundRobin, LeastBusy, SkillsWeighted)
		}
		nonNegative(c, f+".MaxWait", q.MaxWait)
		nonNegative(c, f+".Threshold", q.Threshold)
	}
	for i, q := range cfg.Queues {
		if q.Overflow == "" {
			continue
		}
		f := fmt.Sprintf("Queues[%d].Overflow", i)
		switch _, ok := names[q.Overflow]; {
		case q.Overflow == q.Name:
			c.Add(f, "a queue cannot overflow to itself")
		case !ok:
			c.Add(f, "no queue is named %q", q.Overflow)
		case q.MaxWait == 0:
			c.Add(f, "set, but MaxWait is 0: nothing ever overflows")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Expect)) {
		x, f := cfg.Expect[k], fmt.Sprintf("Expect[%q]", k)
		if kindIndex(k) < 0 {
			c.Add(f, "unknown kind %q", k)
		}
		nonNegative(c, f+".HandleTime", x.HandleTime)
		if x.Concurrency < 0 {
			c.Add(f+".Concurrency", "%d is negative", x.Concurrency)
		}
	}
	nonNegative(c, "OfferTimeout", cfg.OfferTimeout)
	nonNegative(c, "MissPause", cfg.MissPause)
	nonNegative(c, "WrapUp", cfg.WrapUp)
	if cfg.MaxMisses < 0 {
		c.Add("MaxMisses", "%d is negative", cfg.MaxMisses)
	}
	return c.Err()
}

func nonNegative(c *configerr.Check, field string, d time.Duration) {
	if d < 0 {
		c.Add(field, "%v is negative", d)
	}
}

// validate reports what is wrong with an agent to join.
func (a *Agent) validate() error {
	if a.ID == "" {
		return fmt.Errorf("routing: join: empty agent ID")
	}
	for s, lvl := range a.Skills {
		if s == "" || lvl < 1 || lvl > 100 {
			return fmt.Errorf("routing: join %q: skill %q at level %d: want a name and a level from 1 to 100", a.ID, s, lvl)
		}
	}
	for k, n := range a.Capacity {
		if kindIndex(k) < 0 {
			return fmt.Errorf("routing: join %q: capacity for unknown kind %q", a.ID, k)
		}
		if n < 0 {
			return fmt.Errorf("routing: join %q: capacity %d for %s is negative", a.ID, n, k)
		}
	}
	return nil
}
