// Package fanout holds the chat fan-out benchmark (fanout_test.go): a
// conference's contact center in one process on loopback, the chat
// channel (modality/chatchannel) and the agent desktop
// (contactcenter/desktop) on one HTTP server, attendees' sockets sending
// on an open-loop schedule, and the latency of each message from the
// attendee's write to the agent's socket receiving it.
//
//	go test ./bench/chat/fanout -run '^$' -bench FanOut -benchtime 20000x -count 3
package fanout
