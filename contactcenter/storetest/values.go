package storetest

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"reflect"
	"slices"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
)

// t0 is the instant the fixtures are built around. Every instant in the
// suite is a whole second in UTC, which any durable store can hold.
var t0 = time.Date(2026, time.May, 4, 9, 0, 0, 0, time.UTC)

// service returns a Service with every field set, for the event id, in
// state. The parts that package contactcenter owns are written out; the
// parts other packages own (the template's Config and Overrides, scaling
// Resources, entry points) and any field the written part misses, say one
// added to a type after this was written, are filled by fillZero. So the
// suite always checks that a store keeps every field, and does not break
// when another package's types change.
func service(id string, state contactcenter.State) contactcenter.Service {
	term := contactcenter.Term{Start: t0.Add(72 * time.Hour), End: t0.Add(120 * time.Hour), TimeZone: "Europe/Berlin"}
	s := contactcenter.Service{
		ID: id,
		Request: contactcenter.Request{
			EventID:   id,
			EventType: "trade-show",
			Term:      term,
			Template:  "trade-show",
			Features: contactcenter.Features{
				Modalities:   []modality.Kind{modality.Telephony, modality.Chat},
				Receptionist: true,
				Queues:       []string{"exhibitors", "visitors"},
			},
			ExpectedAttendance: 12000,
		},
		State:        state,
		Term:         term,
		Expires:      term.End.Add(24 * time.Hour),
		CancelReason: "event cancelled by the organiser",
		DeployPlan:   id + "/deploy",
		ClosePlan:    id + "/close",
		Agents:       []string{"agent-" + id + "-1", "agent-" + id + "-2", "agent-" + id + "-3"},
		Supervisors:  []string{"supervisor-" + id + "-1"},
		Numbers:      []numbermap.Number{"+4930555001", "+4930555002"},
		IntakeOpen:   true,
		Usage:        contactcenter.Usage{AgentSeconds: 3600, SupervisorSeconds: 1200, LicenceSeconds: 7200.5, SpaceSeconds: 5400.25, PeakAgents: 5, Since: t0.Add(100 * time.Hour)},
		Timeline: []contactcenter.Transition{
			{At: t0, From: "", To: contactcenter.Requested, Reason: "requested"},
			{At: t0.Add(time.Minute), From: contactcenter.Requested, To: contactcenter.Scheduled, Reason: "plans stored"},
		},
		Closing: &contactcenter.ClosingReport{
			Disconnected:  2,
			GrantsRevoked: 4,
			Numbers:       []contactcenter.RetiredNumber{{Number: "+4930555001", Until: t0.Add(2400 * time.Hour)}},
			Released:      []contactcenter.Item{{Kind: contactcenter.Agents, ID: "agent-" + id + "-1"}, {Kind: contactcenter.Space, ID: "space-" + id + "-1"}},
			Remaining:     []contactcenter.Item{{Kind: contactcenter.Licences, ID: "licence-" + id + "-9"}},
			Authorising:   1,
			LiveEndpoints: 1,
			Verified:      t0.Add(150 * time.Hour),
		},
		Err:     &contactcenter.Failure{Step: "03-agents", Action: contactcenter.SetResource, Reason: contactcenter.Refused, Message: "provider said no"},
		Created: t0,
		Updated: t0.Add(time.Hour),
	}
	fillZero(reflect.ValueOf(&s).Elem(), "Service", nil)
	s.Revision = 0
	return s
}

// plan returns a Plan with every field set, including undo steps that
// have undo steps of their own.
func plan(serviceID string, kind contactcenter.PlanKind) contactcenter.Plan {
	p := contactcenter.Plan{
		ID:        serviceID + "/" + string(kind),
		ServiceID: serviceID,
		Kind:      kind,
		Steps: []contactcenter.Step{
			{
				Key: "01-numbers", Action: contactcenter.ClaimNumbers, Count: 2, Country: "DE", Description: "claim 2 numbers in DE",
				Undo: &contactcenter.Step{Key: "01-numbers-undo", Action: contactcenter.ReleaseNumbers, Count: 2, Country: "DE", Description: "release them"},
			},
			{
				Key: "02-space", Action: contactcenter.SetResource, Resource: contactcenter.Space, Count: 6, Description: "6 units of space",
				Undo: &contactcenter.Step{
					Key: "02-space-undo", Action: contactcenter.SetResource, Resource: contactcenter.Space, Description: "release space",
					Undo: &contactcenter.Step{Key: "02-space-redo", Action: contactcenter.SetResource, Resource: contactcenter.Space, Count: 6, Description: "nested undo"},
				},
			},
			{Key: "03-publish", Action: contactcenter.Publish, Description: "publish entry points"},
		},
		Created: t0.Add(time.Minute),
	}
	fillZero(reflect.ValueOf(&p).Elem(), "Plan", nil)
	p.Digest = p.ComputeDigest()
	return p
}

// entry returns a journal entry with every field set.
func entry(planID string, seq int64) contactcenter.JournalEntry {
	return contactcenter.JournalEntry{
		PlanID:  planID,
		Seq:     seq,
		Step:    "01-numbers",
		Status:  contactcenter.StepDone,
		Attempt: int(seq),
		At:      t0.Add(time.Duration(seq) * time.Second),
		Error:   "transient: try again",
		Output:  json.RawMessage(`{"numbers":["+4930555001","+4930555002"]}`),
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// fillZero sets every zero exported field reachable from v, which must be
// settable, to a non-zero value derived from its path. Empty slices get
// two elements and nil pointers a value, except a pointer to a struct type
// being filled already (Step.Undo), which would never end.
func fillZero(v reflect.Value, path string, filling []reflect.Type) {
	switch v.Type() {
	case timeType:
		if v.Interface().(time.Time).IsZero() {
			v.Set(reflect.ValueOf(t0.Add(time.Duration(hash(path)%100000) * time.Second)))
		}
		return
	case rawType:
		if v.Len() == 0 {
			b, _ := json.Marshal(map[string]string{"filled": path})
			v.Set(reflect.ValueOf(json.RawMessage(b)))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			v.SetString("filled " + path)
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() == 0 {
			v.SetInt(int64(hash(path)%100 + 1))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() == 0 {
			v.SetUint(uint64(hash(path)%100 + 1))
		}
	case reflect.Float32, reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(float64(hash(path)%100+1) / 4) // exact in binary and decimal
		}
	case reflect.Struct:
		filling = append(filling, v.Type())
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fillZero(v.Field(i), path+"."+f.Name, filling)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		}
		for i := range v.Len() {
			fillZero(v.Index(i), path+"[]", filling)
		}
	case reflect.Array:
		for i := range v.Len() {
			fillZero(v.Index(i), path+"[]", filling)
		}
	case reflect.Pointer:
		if v.IsNil() {
			if slices.Contains(filling, v.Type().Elem()) {
				return
			}
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillZero(v.Elem(), path, filling)
	case reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.MakeMap(v.Type()))
			k := reflect.New(v.Type().Key()).Elem()
			fillZero(k, path+"{key}", filling)
			v.SetMapIndex(k, reflect.New(v.Type().Elem()).Elem())
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			fillZero(e, path+"{}", filling)
			v.SetMapIndex(k, e)
		}
	}
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// scramble changes, in place, every value reachable from v that a store
// could share with its caller: strings, numbers, bools and instants in
// structs, slice elements, pointer targets and map values. A store that
// kept a reference to a value passed in, or handed out a reference to what
// it keeps, sees the change.
func scramble(v reflect.Value) {
	if v.Type() == timeType {
		if v.CanSet() {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour + time.Second)))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "~")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scramble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scramble(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			scramble(v.Elem())
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scramble(e)
			v.SetMapIndex(k, e)
		}
	}
}

// scrambled mutates everything reachable from *p in place.
func scrambled[T any](p *T) { scramble(reflect.ValueOf(p).Elem()) }

// normalize rewrites, in place, what a durable store may legitimately
// change without changing the value: instants to UTC (a database returns
// them in its own zone, without monotonic readings), empty slices and maps
// to nil (a store need not tell nil from empty), and raw JSON to its
// compact form (a JSON column may reformat it).
func normalize(v reflect.Value) {
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
		return
	case rawType:
		if v.Len() > 0 {
			var b bytes.Buffer
			if json.Compact(&b, v.Bytes()) == nil {
				v.SetBytes(b.Bytes())
			}
		}
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := range v.Len() {
			normalize(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			normalize(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			normalize(e)
			v.SetMapIndex(k, e)
		}
	}
}

// normalized returns v normalized. It changes what v references: use it
// only on values the test owns.
func normalized[T any](v T) T {
	normalize(reflect.ValueOf(&v).Elem())
	return v
}

// zeroPaths lists the paths of zero values reachable from v, to prove the
// fixtures are fully populated. Like fillZero, it allows a nil pointer to
// a struct type it is inside already.
func zeroPaths(v reflect.Value, path string, inside []reflect.Type) []string {
	if v.Type() == timeType {
		if v.Interface().(time.Time).IsZero() {
			return []string{path}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		var out []string
		inside = append(inside, v.Type())
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, zeroPaths(v.Field(i), path+"."+f.Name, inside)...)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return []string{path}
		}
		var out []string
		for i := range v.Len() {
			out = append(out, zeroPaths(v.Index(i), path+"[]", inside)...)
		}
		return out
	case reflect.Pointer, reflect.Map:
		if v.IsNil() {
			if v.Kind() == reflect.Pointer && slices.Contains(inside, v.Type().Elem()) {
				return nil
			}
			return []string{path}
		}
		if v.Kind() == reflect.Pointer {
			return zeroPaths(v.Elem(), path, inside)
		}
		var out []string
		for _, k := range v.MapKeys() {
			out = append(out, zeroPaths(v.MapIndex(k), path+"{}", inside)...)
		}
		return out
	case reflect.Interface, reflect.Func, reflect.Chan:
		return nil
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}
