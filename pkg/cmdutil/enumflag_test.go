package cmdutil

import (
	"testing"

	"github.com/spf13/cobra"
)

func TestStringEnumFlag(t *testing.T) {
	var v string
	cmd := &cobra.Command{Use: "x"}
	StringEnumFlag(cmd, &v, "plan", "", "", []string{"free", "pro"}, "the plan")
	if err := cmd.Flags().Set("plan", "Pro"); err != nil || v != "pro" {
		t.Fatalf("Set(Pro) = %v, value %q", err, v)
	}
	if err := cmd.Flags().Set("plan", "gold"); err == nil {
		t.Fatal("gold was accepted")
	}
	comp, _ := cmd.GetFlagCompletionFunc("plan")
	if got, _ := comp(cmd, nil, ""); len(got) != 2 || got[0] != "free" {
		t.Errorf("completion = %v", got)
	}
}
