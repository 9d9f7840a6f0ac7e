// Package list implements `cfcache zones list`.
package list

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// ListOptions are the parsed inputs of `cfcache zones list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*cfapi.Client, error)
	JSON   func() bool
	Ctx    context.Context
	// AccountID narrows the list to one account (the global --account-id,
	// as purge's routing and zone completion use it); "" lists them all.
	AccountID string
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client, JSON: f.OutputJSON}
	return &cobra.Command{
		Use:     "list",
		Short:   "List the zones the credentials can see",
		Long:    "List every zone the API credentials can see, with its id, plan and status.",
		Example: "  cfcache zones list\n  cfcache zones list -o json | jq -r '.zones[].name'",
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if f.Settings != nil {
				opts.AccountID = f.Settings.AccountID
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
}

// zoneJSON is one entry of `zones list -o json`.
type zoneJSON struct {
	cfapi.Zone
	ZoneID   string `json:"zone_id"`
	ZoneName string `json:"zone_name"`
}

func listRun(opts *ListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	zones, err := c.ListAccountZones(opts.Ctx, opts.AccountID)
	if err != nil {
		return cmdutil.WrapAPIError(err)
	}
	if opts.JSON() {
		// zone_id and zone_name beside id and name: the keys every other
		// command's JSON names the zone by (docs/interface.md), so one jq
		// filter reads both; id and name stay for the scripts that use them.
		entries := make([]zoneJSON, len(zones))
		for i, z := range zones {
			entries[i] = zoneJSON{Zone: z, ZoneID: z.ID, ZoneName: z.Name}
		}
		return cmdutil.WriteJSON(opts.IO.Out, map[string]any{"zones": entries})
	}
	if len(zones) == 0 {
		opts.IO.Status("No zones visible to these credentials.")
		return nil
	}
	tp := opts.IO.NewTablePrinter("ID", "NAME", "PLAN", "STATUS", "ACCOUNT")
	for _, z := range zones {
		tp.AddRow(z.ID, z.Name, string(z.Plan), z.Status, z.AccountName)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() {
		opts.IO.Status("%s", fmt.Sprintf("%d zone(s)", len(zones)))
	}
	return nil
}
