package version

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdtest"
)

func TestVersion(t *testing.T) {
	old := build.Version
	build.Version = "v9.9.9"
	t.Cleanup(func() { build.Version = old })

	f, st := cmdtest.NewFactory(t, nil, "", false)
	if err := cmdtest.Run(context.Background(), NewCmdVersion(f, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Out.String(), "cfcache version v9.9.9") {
		t.Fatalf("text: %q", st.Out.String())
	}
	f, st = cmdtest.NewFactory(t, nil, "", false)
	f.Settings.Output = "json"
	if err := cmdtest.Run(context.Background(), NewCmdVersion(f, nil)); err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal(st.Out.Bytes(), &v); err != nil || v["version"] != "v9.9.9" || v["go"] == "" {
		t.Fatalf("json: %v %v", err, v)
	}
}
