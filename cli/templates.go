package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"abrak/services"
	"abrak/store"
)

// adminImportTemplate imports an operator's image as a template and uploads it to
// every enabled node now; a node that fails or is down gets it from the running
// panel's template worker later.
func adminImportTemplate(ctx context.Context, args []string, out io.Writer) error {
	return importImage(ctx, args, out, store.KindDisk)
}

// adminImportISO imports an ISO image customers can boot their VMs from.
func adminImportISO(ctx context.Context, args []string, out io.Writer) error {
	return importImage(ctx, args, out, store.KindISO)
}

func importImage(ctx context.Context, args []string, out io.Writer, kind string) error {
	in := services.ImportInput{Kind: kind}
	cmd := newCommand(map[string]string{store.KindDisk: onImport, store.KindISO: onISO}[kind])
	cmd.StringVar(&in.Slug, "slug", "", "the image's slug, e.g. debian-12 (required; an existing slug is updated)")
	cmd.StringVar(&in.Name, "name", "", "the name customers see, e.g. \"Debian 12\" (required)")
	cmd.StringVar(&in.File, "file", "", "the image: qcow2 or raw for a template, an ISO 9660 file for an ISO (required)")
	features := new(string)
	if kind == store.KindDisk {
		cmd.StringVar(&in.Format, "format", "", "qcow2 or raw (default: read from the file)")
		cmd.IntVar(&in.MinDiskGB, "min-disk-gb", 1, "the smallest disk a VM from it may have")
		features = cmd.String("features", "password,ssh_key", "what its guest applies from the seed: "+strings.Join(services.Features, ","))
	}
	db, err := cmd.open(ctx, args, func() error {
		if in.Slug == "" || in.Name == "" || in.File == "" {
			return errors.New("import: --slug, --name and --file are required")
		}
		for _, f := range strings.Split(*features, ",") {
			if f = strings.TrimSpace(f); f != "" {
				in.Features = append(in.Features, f)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	dir := cmd.TemplateDir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(cmd.DB), "templates")
	}
	t, changed, err := services.ImportTemplate(ctx, db, dir, in, progressLine(out, "checksum"))
	if err != nil {
		return fmt.Errorf("import-template: %w", err)
	}
	what := "the same image as before"
	if changed {
		what = "a new image"
	}
	fmt.Fprintf(out, "template %s: %s, sha256 %s, %s, volume %s\n", t.Slug, what, t.SHA256, t.Format, t.Volume)
	nodes, vols, err := nodesAndVolumes(ctx, db)
	if err != nil {
		return err
	}
	ready := map[int64]bool{}
	for _, v := range vols {
		if v.Template == t.Slug && v.Volume == t.Volume && v.State == store.VolumeReady {
			ready[v.NodeID] = true
		}
	}
	failed := 0
	for _, n := range nodes {
		if !n.Enabled {
			continue
		}
		if ready[n.ID] {
			fmt.Fprintf(out, "  %s: already there\n", n.Name)
			continue
		}
		if err := pushToNode(ctx, db, n, t, out); err != nil {
			failed++
			fmt.Fprintf(out, "  %s: %v (the running panel tries again)\n", n.Name, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("import-template: %d nodes did not get the image yet", failed)
	}
	return nil
}

func pushToNode(ctx context.Context, db *store.DB, n store.Node, t store.OSTemplate, out io.Writer) error {
	fleet, node, err := dialNode(n)
	if err != nil {
		return err
	}
	defer fleet.Close()
	started := time.Now()
	if err := services.PushTemplate(ctx, db, node, t, progressLine(out, "  "+n.Name+": upload")); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s: ready (uploaded and read back in %s)\n", n.Name, time.Since(started).Round(100*time.Millisecond))
	return nil
}

// progressLine prints how far a long copy is, at most once a second.
func progressLine(out io.Writer, what string) func(done, total int64) {
	return func(done, total int64) {
		if total < 64<<20 {
			return // small files are done before anyone looks
		}
		fmt.Fprintf(out, "%s: %d of %d MiB (%d%%)\n", what, done>>20, total>>20, done*100/max(total, 1))
	}
}

// adminTemplates prints each template with its state on every node.
func adminTemplates(ctx context.Context, args []string, out io.Writer) error {
	db, err := newCommand("admin templates").open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	templates, err := db.AllOSTemplates(ctx)
	if err != nil {
		return err
	}
	nodes, vols, err := nodesAndVolumes(ctx, db)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, n := range nodes {
		names[n.ID] = n.Name
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tKIND\tNAME\tSTATE\tFEATURES\tSHA256\tNODES")
	for _, t := range templates {
		state := "enabled"
		if !t.Active {
			state = "disabled"
		}
		sum, where := "-", "every node (not imported)"
		if t.Imported() {
			sum = t.SHA256[:12]
			var parts []string
			for _, v := range vols {
				if v.Template != t.Slug {
					continue
				}
				s := v.State
				if v.Volume != t.Volume {
					s = "old image"
				} else if v.State == store.VolumeFailed {
					s += " (" + v.Error + ")"
				}
				parts = append(parts, names[v.NodeID]+": "+s)
			}
			where = strings.Join(parts, "; ")
			if where == "" {
				where = "none yet"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Kind, t.Name, state, strings.Join(t.Features, ","), sum, where)
	}
	return tw.Flush()
}

// adminSetTemplate hides a template from new orders or shows it again.
func adminSetTemplate(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin set-template")
	slug := cmd.String("slug", "", "the template (required)")
	disabled := cmd.Bool("disabled", false, "hide it from new orders (existing VMs keep theirs)")
	enabled := cmd.Bool("enabled", false, "offer it again")
	db, err := cmd.open(ctx, args, func() error {
		if *slug == "" || *disabled == *enabled {
			return errors.New("set-template: --slug and one of --disabled or --enabled are required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetTemplateActive(ctx, *slug, *enabled); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("set-template: no template %q", *slug)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(out, "template %s %s\n", *slug, map[bool]string{true: "enabled", false: "disabled"}[*enabled])
	return nil
}

// nodesAndVolumes are every node and every template volume on them.
func nodesAndVolumes(ctx context.Context, db *store.DB) ([]store.Node, []store.TemplateVolume, error) {
	nodes, err := db.AllNodes(ctx)
	if err != nil {
		return nil, nil, err
	}
	vols, err := db.TemplateVolumes(ctx)
	return nodes, vols, err
}
