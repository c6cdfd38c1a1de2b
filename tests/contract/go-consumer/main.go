// A Kompeten event consumer in Go: it binds its own queue, validates each event's CloudEvents
// envelope and its data against the JSON Schema published in Kompeten's catalogue, and prints
// one JSON line per event. It shares no code with Kompeten: the contract is the schema.
//
//	AMQP_URI=amqp://... kompeten-go-consumer -schemas DIR -bind placement.events=offer.made.# -count 2
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

type bindings []string

func (b *bindings) String() string     { return strings.Join(*b, ",") }
func (b *bindings) Set(v string) error { *b = append(*b, v); return nil }

type result struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
}

var envelopeFields = []string{"specversion", "id", "source", "type", "dataschema", "data"}

func validate(body []byte, schemas string, compiled map[string]*jsonschema.Schema) result {
	var event map[string]any
	if err := json.Unmarshal(body, &event); err != nil {
		return result{Error: "not JSON: " + err.Error()}
	}
	r := result{}
	r.ID, _ = event["id"].(string)
	r.Type, _ = event["type"].(string)
	for _, field := range envelopeFields {
		if _, ok := event[field]; !ok {
			r.Error = "envelope lacks " + field
			return r
		}
	}
	if event["specversion"] != "1.0" {
		r.Error = "specversion is not 1.0"
		return r
	}
	schema, ok := compiled[r.Type]
	if !ok {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		var err error
		schema, err = c.Compile(filepath.Join(schemas, r.Type+".json"))
		if err != nil {
			r.Error = "no schema for " + r.Type + ": " + err.Error()
			return r
		}
		compiled[r.Type] = schema
	}
	if id, _ := event["dataschema"].(string); id != schema.ID {
		r.Error = fmt.Sprintf("dataschema %q is not %q", id, schema.ID)
		return r
	}
	// Validate the data as it came over the wire, numbers included.
	data, err := jsonschema.UnmarshalJSON(strings.NewReader(string(mustJSON(event["data"]))))
	if err == nil {
		err = schema.Validate(data)
	}
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Valid = true
	return r
}

func mustJSON(v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}

func main() {
	schemas := flag.String("schemas", "schemas", "directory of <event type>.json schemas")
	count := flag.Int("count", 1, "events to read before exiting")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after")
	var binds bindings
	flag.Var(&binds, "bind", "exchange=routing key (repeatable)")
	flag.Parse()

	conn, err := amqp.Dial(os.Getenv("AMQP_URI"))
	if err != nil {
		log.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		log.Fatalf("channel: %v", err)
	}
	queue, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		log.Fatalf("queue: %v", err)
	}
	for _, b := range binds {
		exchange, key, _ := strings.Cut(b, "=")
		if err := ch.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
			log.Fatalf("exchange %s: %v", exchange, err)
		}
		if err := ch.QueueBind(queue.Name, key, exchange, false, nil); err != nil {
			log.Fatalf("bind %s: %v", b, err)
		}
	}
	deliveries, err := ch.Consume(queue.Name, "", false, true, false, false, nil)
	if err != nil {
		log.Fatalf("consume: %v", err)
	}
	fmt.Println(`{"ready": true}`)
	compiled := map[string]*jsonschema.Schema{}
	deadline := time.After(*timeout)
	for seen := 0; seen < *count; seen++ {
		select {
		case d := <-deliveries:
			fmt.Println(string(mustJSON(validate(d.Body, *schemas, compiled))))
			d.Ack(false)
		case <-deadline:
			log.Fatalf("timed out after %d of %d events", seen, *count)
		}
	}
}
