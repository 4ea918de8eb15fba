package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// The signature of a delivery, as an event platform computes it.
func ExampleSign() {
	secret := []byte("s3cret-of-thirty-two-bytes-00001")
	body := []byte(`{"id":"dlv_0003","type":"event.cancelled","event":{"id":"gophercon-eu-2027","version":3}}`)
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	fmt.Println(webhook.HeaderTimestamp+":", webhook.Timestamp(at))
	fmt.Println(webhook.HeaderSignature+":", webhook.Sign(at, body, secret))

	_, err := webhook.Verify(webhook.Timestamp(at), webhook.Sign(at, body, secret), body, at.Add(time.Minute), 0, secret)
	fmt.Println("verified:", err == nil)
	// Output:
	// Eventcc-Timestamp: 1803891600
	// Eventcc-Signature: v1=52b9be87cbb62cf534eb2fb330a77774c6fed18f60c481ea62ba7836f16154fb
	// verified: true
}

// A Handler on a Lifecycle: the event platform creates an event, then
// extends it.
func ExampleNewHandler() {
	ctx := context.Background()
	clock := clocktest.New(time.Date(2027, 2, 27, 12, 0, 0, 0, time.UTC))
	numbers := memnumbermap.New()
	for _, n := range []string{"+12025550101", "+12025550102"} {
		_ = numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS})
	}
	channel, _ := memchannel.New()
	lc, err := contactcenter.New(contactcenter.Config{
		Store: memstore.New(), Provisioner: memprovisioner.New(memprovisioner.Limits{}), Access: memaccess.New(),
		Numbers: numbers, Channels: []modality.Channel{channel}, EventSystem: memevents.New(), Now: clock.Now,
	})
	if err != nil {
		panic(err)
	}
	defer lc.Close()
	secret := []byte("s3cret-of-thirty-two-bytes-00001")
	h, err := webhook.NewHandler(webhook.HandlerConfig{Lifecycle: lc, Secrets: [][]byte{secret}, Now: clock.Now})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	post := func(body string) {
		now := clock.Now()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(now))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(now, []byte(body), secret))
		res, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		answer, _ := io.ReadAll(res.Body)
		fmt.Print(res.StatusCode, " ", string(answer))
	}
	post(`{"id":"dlv_0001","type":"event.created","event":{"id":"gophercon-eu-2027","version":1,
		"type":"conference","template":"conference",
		"term":{"start":"2027-03-01T09:00:00Z","end":"2027-03-01T17:00:00Z","timeZone":"Europe/Berlin"},
		"features":{"modalities":["telephony","chat"]},"expectedAttendance":2500}}`)
	post(`{"id":"dlv_0002","type":"event.updated","event":{"id":"gophercon-eu-2027","version":2,
		"term":{"start":"2027-03-01T09:00:00Z","end":"2027-03-01T19:00:00Z","timeZone":"Europe/Berlin"}}}`)
	post(`{"id":"dlv_0003","type":"event.updated","event":{"id":"gophercon-eu-2027","version":2,"term":{}}}`)

	svc, _ := lc.Get(ctx, "gophercon-eu-2027")
	fmt.Println(svc.State, svc.Term.End.Format(time.RFC3339))
	// Output:
	// 200 {"delivery":"dlv_0001","status":"applied","change":"created"}
	// 200 {"delivery":"dlv_0002","status":"applied","change":"extended"}
	// 400 {"code":"malformed","error":"webhook: malformed delivery: event.term.start: required","field":"event.term.start","problems":[{"field":"event.term.start","message":"required"}]}
	// scheduled 2027-03-01T19:00:00Z
}

// An EventSystem announcing a service's entry points to an event
// platform's URL.
func ExampleNewEventSystem() {
	secret := []byte("s3cret-of-thirty-two-bytes-00001")
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify(r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0, secret); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		a, err := webhook.DecodeAnnouncement(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		eps, _ := json.Marshal(a.EntryPoints)
		fmt.Println(a.Type, a.ServiceID, string(eps))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer platform.Close()

	es, err := webhook.NewEventSystem(webhook.EventSystemConfig{URL: platform.URL, Secrets: [][]byte{secret}})
	if err != nil {
		panic(err)
	}
	defer es.Close()
	ctx := context.Background()
	opens := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	err = es.Publish(ctx, contactcenter.Publication{
		ServiceID: "gophercon-eu-2027", EventID: "gophercon-eu-2027",
		EntryPoints: []modality.EntryPoint{{Name: "telephony-1", Kind: modality.Telephony, Address: "+12025550101", Queue: "registration"}},
		Opens:       opens, Closes: opens.Add(8 * time.Hour), TimeZone: "Europe/Berlin",
	})
	fmt.Println("published:", err)
	fmt.Println("retracted:", es.Retract(ctx, "gophercon-eu-2027"))
	// Output:
	// entrypoints.published gophercon-eu-2027 [{"name":"telephony-1","kind":"telephony","address":"+12025550101","queue":"registration"}]
	// published: <nil>
	// entrypoints.retracted gophercon-eu-2027 null
	// retracted: <nil>
}
