package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	st := memstore.New()

	s, _ := st.Create(ctx, contactcenter.Service{ID: "expo-2026", State: contactcenter.Requested})
	fmt.Println(s.ID, s.State, "revision", s.Revision)

	// Updates are checked against the revision they were read at.
	s.State = contactcenter.Scheduled
	updated, _ := st.Update(ctx, s)
	fmt.Println(updated.ID, updated.State, "revision", updated.Revision)
	_, err := st.Update(ctx, s) // s is still at revision 1
	fmt.Println(errors.Is(err, contactcenter.ErrConflict))

	// A plan's journal grows one Seq at a time.
	p := contactcenter.Plan{ID: "expo-2026/deploy", ServiceID: "expo-2026", Kind: contactcenter.DeployKind}
	p.Digest = p.ComputeDigest()
	_ = st.PutPlan(ctx, p)
	_ = st.Append(ctx, contactcenter.JournalEntry{PlanID: p.ID, Seq: 1, Step: "01-numbers", Status: contactcenter.StepStarted})
	err = st.Append(ctx, contactcenter.JournalEntry{PlanID: p.ID, Seq: 1, Step: "01-numbers", Status: contactcenter.StepStarted})
	fmt.Println(errors.Is(err, contactcenter.ErrConflict))
	j, _ := st.Journal(ctx, p.ID)
	fmt.Println(len(j), "entry")

	_, err = st.Get(ctx, "gala-2026")
	fmt.Println(err)
	// Output:
	// expo-2026 requested revision 1
	// expo-2026 scheduled revision 2
	// true
	// true
	// 1 entry
	// memstore: service "gala-2026": contactcenter: not found
}
