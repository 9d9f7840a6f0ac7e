package cfapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cloudflare/cloudflare-go/v7/packages/pagination"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// resultOfJSON is resultOf as it was before scanEnvelope: encoding/json
// alone. resultOf must answer exactly as it does, error text included.
func resultOfJSON(raw []byte) (json.RawMessage, error) {
	var env struct {
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("unexpected API answer: %w", err)
	}
	if !env.Success {
		return nil, fmt.Errorf("the API answered success=false")
	}
	return env.Result, nil
}

var envelopeCases = []string{
	`{"success":true,"errors":[],"messages":[],"result":{"id":"x","rules":[{"expression":"a eq \"b\"","n":-1.5e+3}]}}`,
	`{"result":[1,2,{"a":null}],"success":true}`,
	` {"success" : true , "result" : "s\u00e9\n\/" } `,
	`{"success":true}`,
	`{"success":true,"result":null}`,
	`{"success":false,"result":{}}`,
	`{"success":null,"result":{}}`,
	`{"success":true,"success":false,"result":1}`,
	`{"success":false,"success":true,"success":null,"result":1,"result":2}`,
	`{"SUCCESS":true,"Result":[]}`,
	`{"\u0073uccess":true,"result":1}`,
	`{"ſuccess":true,"result":1}`,
	`{"success":"yes","result":1}`,
	`{"success":1,"result":1}`,
	`{"success":true,"result":1}x`,
	`{"success":true,"result":01}`,
	`{"success":true,"result":1.}`,
	`{"success":true,"result":-}`,
	`{"success":true,"result":1e}`,
	`{"success":true,"result":tru}`,
	`{"success":true,"result":"a` + "\x01" + `"}`,
	`{"success":true,"result":"\x"}`,
	`{"success":true,"result":"\u12g4"}`,
	`{"success":true,"result":"` + "\xff\xfe" + `"}`,
	`{"success":true,"result":[1,]}`,
	`{"success":true,"result":{"a":1,}}`,
	`{"success":true,"result":{"a" 1}}`,
	`{"success":true,"result":{1:1}}`,
	`{"success":true,"result":[}`,
	`{"success":true,"result":`,
	`{"success":true,}`,
	`{}`,
	`[]`,
	`null`,
	`"x"`,
	``,
	`   `,
	`{"success":true,"result":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`{"success":true,"result":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`,
}

func TestResultOfMatchesEncodingJSON(t *testing.T) {
	for _, c := range envelopeCases {
		checkResultOf(t, []byte(c))
	}
}

func checkResultOf(t *testing.T, raw []byte) {
	t.Helper()
	got, gotErr := resultOf(raw)
	want, wantErr := resultOfJSON(raw)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
		t.Fatalf("%.200q:\n got %.200q, %v\nwant %.200q, %v", raw, got, gotErr, want, wantErr)
	}
}

// TestScanEnvelopeAnswersTheRuleset: the ruleset answer is read by the
// scanner itself, not handed to encoding/json, and its result is the
// answer's own bytes (no copy).
func TestScanEnvelopeAnswersTheRuleset(t *testing.T) {
	raw := []byte(envelopeCases[0])
	result, success, ok := scanEnvelope(raw)
	if !ok || !success {
		t.Fatalf("ok %v success %v", ok, success)
	}
	if &result[0] != &raw[bytes.Index(raw, []byte(`{"id"`))] {
		t.Fatal("the result was copied")
	}
}

func FuzzResultOf(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkResultOf(t, raw)
	})
}

func TestReadBody(t *testing.T) {
	body := `{"success":true,"result":{}}`
	for _, n := range []int64{int64(len(body)), -1} {
		resp := &http.Response{ContentLength: n, Body: io.NopCloser(strings.NewReader(body))}
		got, err := readBody(resp)
		if err != nil || string(got) != body {
			t.Errorf("length %d: %q, %v", n, got, err)
		}
	}
	// A body cut short: the error the SDK gave.
	resp := &http.Response{ContentLength: 100, Body: io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))}
	if _, err := readBody(resp); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(err.Error(), "error reading response body: ") {
		t.Errorf("short body: %v", err)
	}
}

// zonesBySDK is how the SDK read a GET /zones answer before scanZones.
func zonesBySDK(body []byte) ([]Zone, error) {
	var page *pagination.V4PagePaginationArray[zones.Zone]
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&page); err != nil {
		return nil, err
	}
	out := []Zone{}
	if page != nil {
		for _, z := range page.Result {
			out = append(out, fromSDK(z))
		}
	}
	return out, nil
}

var zoneCases = []string{
	`{"success":true,"errors":[],"messages":[],"result":[{"id":"023e105f4ecef8ad9ca31a8372d0c353","name":"example.com","status":"active","paused":false,"type":"full","name_servers":["a.ns"],"account":{"id":"01a7362d577a6c3019a474fd6f485823","name":"Acct"},"plan":{"id":"x","name":"Enterprise Website","legacy_id":"enterprise","price":0},"meta":{"step":2}}],"result_info":{"page":1,"per_page":20,"count":1,"total_count":1}}`,
	`{"result":[]}`,
	`{"result":[{}]}`,
	`{"result":[{"id":"a"},{"id":"b","plan":{"legacy_id":"free"}},{"name":"c.example","plan":{"legacy_id":"nope"}}]}`,
	`{"result":[{"id":"a","ID":"b","Name":"x","plan":{"Legacy_ID":"pro"}}]}`,
	`{"result":[{"id":"a","id":"b"}]}`,
	`{"result":[],"result":[{"id":"a"}]}`,
	`{"result":[{"id":"\u0061"}]}`,
	`{"result":[{"i\u0064":"a"}]}`,
	`{"result":[{"id":5,"name":null,"plan":null,"account":"x"}]}`,
	`{"result":[{"id":"` + "\xff" + `"}]}`,
	`{"result":{"id":"a"}}`,
	`{"result":null}`,
	`{"result":[{"id":"a"}]} trailing`,
	`{"result":[{"id":"a"}]`,
	`{}`,
	`[]`,
	`{"result":[{"id":"a","plan":{"legacy_id":"business","name":"Biz"},"account":{"id":"1","name":"n","extra":[1,{"a":"b"}]}}]}`,
}

func TestScanZonesMatchesTheSDK(t *testing.T) {
	for _, c := range zoneCases {
		checkScanZones(t, []byte(c))
	}
	// The usual answer is read without the SDK.
	if _, ok := scanZones([]byte(zoneCases[0])); !ok {
		t.Fatal("the sandbox's answer was left to the SDK")
	}
}

func checkScanZones(t *testing.T, body []byte) {
	t.Helper()
	got, ok := scanZones(body)
	if !ok {
		return
	}
	want, err := zonesBySDK(body)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%.300q:\n got %+v\nwant %+v, %v", body, got, want, err)
	}
}

func FuzzScanZones(f *testing.F) {
	for _, c := range zoneCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkScanZones(t, body)
	})
}

// BenchmarkResultOf300 unwraps the entrypoint answer of 300 rules like
// rules300.yaml's (docs/performance.md, "Against start-up").
func BenchmarkResultOf300(b *testing.B) {
	var rules []string
	for i := 0; i < 300; i++ {
		rules = append(rules, fmt.Sprintf(`{"id":"%032x","version":"1","action":"set_cache_settings","action_parameters":{"cache":true,"edge_ttl":{"mode":"override_origin","default":%d},"browser_ttl":{"mode":"respect_origin"},"cache_key":{"cache_deception_armor":true,"custom_key":{"query_string":{"exclude":{"list":["utm_source","utm_medium"]}}}}},"expression":"starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}","description":"Rule %d","last_updated":"2026-12-07T16:30:00.693883105Z","ref":"rule-%03d","enabled":true}`, i, 3600+i, i, i, i))
	}
	raw := []byte(`{"success":true,"errors":[],"messages":[],"result":{"id":"3d8bcf85f4bca914bfd77ee5607c17df","name":"default","rules":[` + strings.Join(rules, ",") + `]}}`)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := resultOf(raw); err != nil {
			b.Fatal(err)
		}
	}
}
