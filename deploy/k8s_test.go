package deploy_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/scorecard"
)

var update = flag.Bool("update", false, "rewrite the Kubernetes ConfigMaps of the policy and rubric from the repository's files")

// k8sDir holds the manifests; kustomization.yaml lists them.
const k8sDir = "k8s"

// kustomization is the part of a kustomization.yaml these manifests use. It is decoded strictly
// like the manifests, so a field this test does not know fails instead of being ignored.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// manifests is every object of the Kubernetes manifests, decoded into the Kubernetes API types.
type manifests struct {
	kust        kustomization
	namespaces  []*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	services    map[string]*corev1.Service
	// meta is each object's metadata and where it came from, for the checks common to all.
	meta []objectMeta
}

type objectMeta struct {
	where string // file: Kind/name
	kind  string
	meta  *metav1.ObjectMeta
}

// configFiles are the ConfigMap (and Secret) keys that must be the repository's files exactly,
// each with the real parser that must accept it.
var configFiles = []struct {
	kind, name, key, repoFile string
	parse                     func([]byte) error
}{
	{"ConfigMap", "ccqa-scorecard-policy", "policy.yaml", "scorecard/policies/default.yaml",
		func(b []byte) error { _, err := scorecard.ParsePolicy(b); return err }},
	{"ConfigMap", "ccqa-qa-rubric", "rubric.yaml", "qa/rubrics/default.yaml",
		func(b []byte) error { _, err := qa.ParseRubric(b); return err }},
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// loadManifests decodes kustomization.yaml and every resource it lists, strictly: an unknown or
// misspelt field anywhere is an error, as is a kind this package does not deploy.
func loadManifests(dir string) (*manifests, problems) {
	var p problems
	m := &manifests{
		configMaps:  map[string]*corev1.ConfigMap{},
		secrets:     map[string]*corev1.Secret{},
		deployments: map[string]*appsv1.Deployment{},
		jobs:        map[string]*batchv1.Job{},
		services:    map[string]*corev1.Service{},
	}
	kb, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		p.addf("%v", err)
		return m, p
	}
	if err := yaml.UnmarshalStrict(kb, &m.kust); err != nil {
		p.addf("kustomization.yaml: %v", err)
		return m, p
	}
	if m.kust.APIVersion != "kustomize.config.k8s.io/v1beta1" || m.kust.Kind != "Kustomization" {
		p.addf("kustomization.yaml: apiVersion/kind %s/%s", m.kust.APIVersion, m.kust.Kind)
	}
	// Every manifest in the directory is listed, so `kubectl apply -k` deploys what is checked.
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && !slices.Contains(m.kust.Resources, base) {
			p.addf("%s is not listed in kustomization.yaml resources", base)
		}
	}
	for _, res := range m.kust.Resources {
		b, err := os.ReadFile(filepath.Join(dir, res))
		if err != nil {
			p.addf("kustomization.yaml resource: %v", err)
			continue
		}
		for i, doc := range docSep.Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			m.decode(res, i, []byte(doc), &p)
		}
	}
	return m, p
}

func stripComments(doc string) string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func (m *manifests) decode(file string, i int, doc []byte, p *problems) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		p.addf("%s document %d: %v", file, i, err)
		return
	}
	var obj any
	var meta *metav1.ObjectMeta
	switch tm.APIVersion + " " + tm.Kind {
	case "v1 Namespace":
		o := &corev1.Namespace{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.namespaces = append(m.namespaces, o) }()
	case "v1 ConfigMap":
		o := &corev1.ConfigMap{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.configMaps[o.Name] = o }()
	case "v1 Secret":
		o := &corev1.Secret{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.secrets[o.Name] = o }()
	case "v1 Service":
		o := &corev1.Service{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.services[o.Name] = o }()
	case "apps/v1 Deployment":
		o := &appsv1.Deployment{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.deployments[o.Name] = o }()
	case "batch/v1 Job":
		o := &batchv1.Job{}
		obj, meta = o, &o.ObjectMeta
		defer func() { m.jobs[o.Name] = o }()
	default:
		p.addf("%s document %d: unexpected apiVersion/kind %q %q", file, i, tm.APIVersion, tm.Kind)
		return
	}
	// UnmarshalStrict turns YAML into JSON and decodes it with unknown fields and duplicate
	// keys as errors, which is what `kubectl apply --validate=strict` asks of the API server.
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		p.addf("%s %s: %v", file, tm.Kind, err)
		return
	}
	m.meta = append(m.meta, objectMeta{where: fmt.Sprintf("%s: %s/%s", file, tm.Kind, meta.Name), kind: tm.Kind, meta: meta})
}

// validateManifests runs every cross-check on decoded manifests.
func validateManifests(t *testing.T, m *manifests) problems {
	var p problems
	bin := ccqaBinary(t)
	env := ccqaEnvVars(t)

	// Names and namespaces: everything in the one namespace the kustomization sets.
	if len(m.namespaces) != 1 {
		p.addf("want exactly one Namespace, found %d", len(m.namespaces))
	} else if m.namespaces[0].Name != m.kust.Namespace {
		p.addf("Namespace %q differs from kustomization namespace %q", m.namespaces[0].Name, m.kust.Namespace)
	}
	for _, o := range m.meta {
		if errs := validation.IsDNS1123Subdomain(o.meta.Name); len(errs) > 0 {
			p.addf("%s: name: %s", o.where, strings.Join(errs, "; "))
		}
		if o.kind != "Namespace" && o.meta.Namespace != m.kust.Namespace {
			p.addf("%s: namespace %q, want %q", o.where, o.meta.Namespace, m.kust.Namespace)
		}
	}

	// ConfigMaps that carry repository files carry them byte for byte.
	for _, cf := range configFiles {
		cm := m.configMaps[cf.name]
		if cm == nil {
			p.addf("ConfigMap %s (%s) is missing", cf.name, cf.repoFile)
			continue
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, cf.repoFile))
		if err != nil {
			p.addf("%v", err)
			continue
		}
		got, ok := cm.Data[cf.key]
		switch {
		case !ok:
			p.addf("ConfigMap %s has no key %s", cf.name, cf.key)
		case got != string(want):
			p.addf("ConfigMap %s key %s differs from %s (run go test ./deploy -run TestKubernetes -update)", cf.name, cf.key, cf.repoFile)
		}
		if err := cf.parse([]byte(got)); err != nil {
			p.addf("ConfigMap %s key %s does not validate: %v", cf.name, cf.key, err)
		}
	}
	if s := m.secrets["ccqa-users"]; s == nil {
		p.addf("Secret ccqa-users is missing")
	} else if _, err := qa.ParseUsers([]byte(secretValue(s, "users.yaml"))); err != nil {
		p.addf("Secret ccqa-users key users.yaml does not validate: %v", err)
	}

	// Workloads.
	for name, d := range m.deployments {
		where := "Deployment " + name
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() {
			p.addf("%s: selector: %v (empty: %v)", where, err, err == nil && sel.Empty())
		} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			p.addf("%s: selector %s does not match the pod template's labels %v", where, sel, d.Spec.Template.Labels)
		}
		cmds := m.checkPodSpec(where, &d.Spec.Template.Spec, bin, env, &p)
		for _, c := range cmds {
			m.checkCCQAWorkload(where, d, c, &p)
		}
	}
	for name, j := range m.jobs {
		where := "Job " + name
		if rp := j.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
			p.addf("%s: restartPolicy %q (a Job needs Never or OnFailure)", where, rp)
		}
		m.checkPodSpec(where, &j.Spec.Template.Spec, bin, env, &p)
	}
	if j := m.jobs["ccqa-migrate"]; j == nil {
		p.addf("Job ccqa-migrate is missing")
	} else if c := j.Spec.Template.Spec.Containers; len(c) != 1 || len(c[0].Args) == 0 || c[0].Args[0] != "migrate" {
		p.addf("Job ccqa-migrate: its one container must run `ccqa migrate`")
	} else if v, ok := flagValue(c[0].Args, "cluster"); !ok || v == "" {
		p.addf("Job ccqa-migrate: migrate needs --cluster NAME on a ClickHouse cluster")
	}
	for _, want := range []string{"ccqa-ingest", "ccqa-serve"} {
		if m.deployments[want] == nil {
			p.addf("Deployment %s is missing", want)
		}
	}

	// Services select the pods of one Deployment and target ports those pods expose.
	for name, s := range m.services {
		where := "Service " + name
		if len(s.Spec.Selector) == 0 {
			p.addf("%s: no selector", where)
			continue
		}
		var target *appsv1.Deployment
		for _, d := range m.deployments {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
				target = d
			}
		}
		if target == nil {
			p.addf("%s: selector %v matches no Deployment's pods", where, s.Spec.Selector)
			continue
		}
		for _, sp := range s.Spec.Ports {
			tp := sp.TargetPort
			if tp.Type == intstr.Int && tp.IntVal == 0 {
				tp = intstr.FromInt32(sp.Port)
			}
			if _, ok := containerPort(target.Spec.Template.Spec.Containers, tp); !ok {
				p.addf("%s: port %s targets %s, which no container of Deployment %s exposes", where, sp.Name, tp.String(), target.Name)
			}
		}
	}
	return p
}

// ccqaContainer is a container running the ccqa image, with its accepted command line.
type ccqaContainer struct {
	c    *corev1.Container
	args []string
}

// checkPodSpec checks what every pod template needs: references that resolve, probes on exposed
// ports, resources and a restricted security context; for ccqa containers also the command line
// (by the real binary), the variables and the files they point at. It returns the ccqa containers.
func (m *manifests) checkPodSpec(where string, ps *corev1.PodSpec, bin string, env map[string]bool, p *problems) []ccqaContainer {
	volumes := map[string]*corev1.Volume{}
	for i := range ps.Volumes {
		v := &ps.Volumes[i]
		volumes[v.Name] = v
		switch {
		case v.ConfigMap != nil:
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				p.addf("%s: volume %s: ConfigMap %s does not exist", where, v.Name, v.ConfigMap.Name)
			}
			for _, it := range v.ConfigMap.Items {
				if cm != nil && !hasKey(cm, it.Key) {
					p.addf("%s: volume %s: ConfigMap %s has no key %s", where, v.Name, cm.Name, it.Key)
				}
			}
		case v.Secret != nil:
			s := m.secrets[v.Secret.SecretName]
			if s == nil {
				p.addf("%s: volume %s: Secret %s does not exist", where, v.Name, v.Secret.SecretName)
			}
			for _, it := range v.Secret.Items {
				if s != nil && !secretHasKey(s, it.Key) {
					p.addf("%s: volume %s: Secret %s has no key %s", where, v.Name, s.Name, it.Key)
				}
			}
		}
	}
	podNonRoot := ps.SecurityContext != nil && ps.SecurityContext.RunAsNonRoot != nil && *ps.SecurityContext.RunAsNonRoot
	var out []ccqaContainer
	for i := range ps.Containers {
		c := &ps.Containers[i]
		cw := where + " container " + c.Name
		for _, vm := range c.VolumeMounts {
			if volumes[vm.Name] == nil {
				p.addf("%s: volumeMount %s: no such volume", cw, vm.Name)
			}
		}
		vars := map[string]string{}
		for _, ef := range c.EnvFrom {
			switch {
			case ef.ConfigMapRef != nil:
				cm := m.configMaps[ef.ConfigMapRef.Name]
				if cm == nil {
					p.addf("%s: envFrom: ConfigMap %s does not exist", cw, ef.ConfigMapRef.Name)
					continue
				}
				for k, v := range cm.Data {
					vars[ef.Prefix+k] = v
				}
			case ef.SecretRef != nil:
				s := m.secrets[ef.SecretRef.Name]
				if s == nil {
					p.addf("%s: envFrom: Secret %s does not exist", cw, ef.SecretRef.Name)
					continue
				}
				for k := range s.StringData {
					vars[ef.Prefix+k] = "(secret)"
				}
				for k := range s.Data {
					vars[ef.Prefix+k] = "(secret)"
				}
			}
		}
		for _, e := range c.Env {
			vars[e.Name] = e.Value
			if vf := e.ValueFrom; vf != nil {
				if r := vf.ConfigMapKeyRef; r != nil {
					if cm := m.configMaps[r.Name]; cm == nil || !hasKey(cm, r.Key) {
						p.addf("%s: env %s: ConfigMap %s key %s does not exist", cw, e.Name, r.Name, r.Key)
					}
				}
				if r := vf.SecretKeyRef; r != nil {
					if s := m.secrets[r.Name]; s == nil || !secretHasKey(s, r.Key) {
						p.addf("%s: env %s: Secret %s key %s does not exist", cw, e.Name, r.Name, r.Key)
					}
				}
			}
		}
		for _, pr := range []struct {
			name string
			pb   *corev1.Probe
		}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
			if pr.pb == nil || pr.pb.HTTPGet == nil {
				continue
			}
			if _, ok := containerPort([]corev1.Container{*c}, pr.pb.HTTPGet.Port); !ok {
				p.addf("%s: %s port %s is not a port of the container", cw, pr.name, pr.pb.HTTPGet.Port.String())
			}
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			p.addf("%s: resources need cpu and memory requests and a memory limit", cw)
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			p.addf("%s: securityContext must forbid privilege escalation, drop ALL capabilities and mount the root filesystem read-only", cw)
		}
		if !podNonRoot && (sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			p.addf("%s: runAsNonRoot must be set", cw)
		}

		if !isCCQAImage(c.Image, m.kust) {
			continue
		}
		// The image's ENTRYPOINT is the binary (Dockerfile); command must not replace it.
		if len(c.Command) > 0 && (len(c.Command) != 1 || c.Command[0] != "/usr/local/bin/ccqa") {
			p.addf("%s: command %v replaces the image's ccqa entrypoint", cw, c.Command)
			continue
		}
		if err := checkArgs(bin, c.Args); err != nil {
			p.addf("%s: %v", cw, err)
			continue
		}
		if err := checkConnection(vars); err != nil {
			p.addf("%s: %v", cw, err)
		}
		for name, val := range vars {
			if !strings.HasPrefix(name, "CCQA_") {
				continue
			}
			if !env[name] {
				p.addf("%s: env %s is read by no ccqa code", cw, name)
			}
			if fileEnvVars[name] {
				if err := m.mountedFile(ps, c, val); err != nil {
					p.addf("%s: env %s=%s: %v", cw, name, val, err)
				}
			}
		}
		out = append(out, ccqaContainer{c: c, args: c.Args})
	}
	return out
}

// checkCCQAWorkload checks what depends on the subcommand: listen ports exposed and probed,
// the Prometheus annotations on the metrics port, ingest replicas within the partitions.
func (m *manifests) checkCCQAWorkload(where string, d *appsv1.Deployment, cc ccqaContainer, p *problems) {
	cw := where + " container " + cc.c.Name
	switch cc.args[0] {
	case "ingest":
		addr, ok := flagValue(cc.args, "metrics-addr")
		if !ok {
			p.addf("%s: ingest needs --metrics-addr for its probes and Prometheus", cw)
			return
		}
		port, err := listenPort(addr)
		if err != nil {
			p.addf("%s: --metrics-addr %q: %v", cw, addr, err)
			return
		}
		if !exposes(cc.c, port) {
			p.addf("%s: --metrics-addr port %d is not a containerPort", cw, port)
		}
		for _, pb := range []*corev1.Probe{cc.c.LivenessProbe, cc.c.ReadinessProbe} {
			if pb == nil || pb.HTTPGet == nil {
				p.addf("%s: ingest needs HTTP liveness and readiness probes", cw)
				continue
			}
			if n, ok := containerPort([]corev1.Container{*cc.c}, pb.HTTPGet.Port); ok && n != port {
				p.addf("%s: probe port %d is not the metrics port %d", cw, n, port)
			}
		}
		ann := d.Spec.Template.Annotations
		if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(port) || ann["prometheus.io/path"] != "/metrics" {
			p.addf("%s: pod annotations must have Prometheus scrape port %d path /metrics (got %v)", where, port, ann)
		}
		partitions := 4 // ccqa ingest's default --partitions
		if v, ok := flagValue(cc.args, "partitions"); ok {
			partitions, _ = strconv.Atoi(v)
		}
		replicas := int32(1)
		if d.Spec.Replicas != nil {
			replicas = *d.Spec.Replicas
		}
		if int(replicas) > partitions {
			p.addf("%s: replicas %d > topic partitions %d (--partitions): the extra replicas would get no partition", where, replicas, partitions)
		}
	case "serve":
		addr, _ := flagValue(cc.args, "addr")
		if addr == "" {
			addr = "127.0.0.1:8080" // serve's default, unreachable from outside the pod
		}
		port, err := listenPort(addr)
		if err != nil {
			p.addf("%s: --addr %q: %v", cw, addr, err)
			return
		}
		if host := strings.TrimSuffix(addr, ":"+strconv.Itoa(port)); host != "" && host != "0.0.0.0" && host != "[::]" {
			p.addf("%s: --addr %s listens on %s only; the kubelet and the Service cannot reach it", cw, addr, host)
		}
		if !exposes(cc.c, port) {
			p.addf("%s: --addr port %d is not a containerPort", cw, port)
		}
		for _, pb := range []*corev1.Probe{cc.c.LivenessProbe, cc.c.ReadinessProbe} {
			if pb == nil || pb.HTTPGet == nil || pb.HTTPGet.Path != "/healthz" {
				p.addf("%s: serve needs liveness and readiness probes on /healthz", cw)
			}
		}
	}
}

// mountedFile checks that a file path a ccqa variable names is a key of a ConfigMap or Secret
// mounted in the container.
func (m *manifests) mountedFile(ps *corev1.PodSpec, c *corev1.Container, file string) error {
	for _, vm := range c.VolumeMounts {
		rel, ok := strings.CutPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range ps.Volumes {
			if v.Name != vm.Name {
				continue
			}
			switch {
			case v.ConfigMap != nil:
				if cm := m.configMaps[v.ConfigMap.Name]; cm != nil && projected(rel, v.ConfigMap.Items, func(k string) bool { return hasKey(cm, k) }) {
					return nil
				}
				return fmt.Errorf("ConfigMap %s mounted at %s has no file %s", v.ConfigMap.Name, vm.MountPath, rel)
			case v.Secret != nil:
				if s := m.secrets[v.Secret.SecretName]; s != nil && projected(rel, v.Secret.Items, func(k string) bool { return secretHasKey(s, k) }) {
					return nil
				}
				return fmt.Errorf("Secret %s mounted at %s has no file %s", v.Secret.SecretName, vm.MountPath, rel)
			}
		}
	}
	return fmt.Errorf("no ConfigMap or Secret volume is mounted there")
}

// projected reports whether a volume with these items (all keys when none) has file rel.
func projected(rel string, items []corev1.KeyToPath, has func(string) bool) bool {
	if len(items) == 0 {
		return has(rel)
	}
	for _, it := range items {
		if path.Clean(it.Path) == rel {
			return has(it.Key)
		}
	}
	return false
}

func hasKey(cm *corev1.ConfigMap, k string) bool {
	_, a := cm.Data[k]
	_, b := cm.BinaryData[k]
	return a || b
}

func secretHasKey(s *corev1.Secret, k string) bool {
	_, a := s.Data[k]
	_, b := s.StringData[k]
	return a || b
}

func secretValue(s *corev1.Secret, k string) string {
	if v, ok := s.StringData[k]; ok {
		return v
	}
	return string(s.Data[k])
}

func exposes(c *corev1.Container, port int) bool {
	for _, cp := range c.Ports {
		if int(cp.ContainerPort) == port {
			return true
		}
	}
	return false
}

// containerPort resolves a named or numbered port among the containers' ports.
func containerPort(cs []corev1.Container, port intstr.IntOrString) (int, bool) {
	for _, c := range cs {
		for _, cp := range c.Ports {
			if (port.Type == intstr.String && cp.Name == port.StrVal) || (port.Type == intstr.Int && cp.ContainerPort == port.IntVal) {
				return int(cp.ContainerPort), true
			}
		}
	}
	return 0, false
}

// isCCQAImage reports whether an image reference is the ccqa image (possibly renamed by the
// kustomization's images entry).
func isCCQAImage(image string, k kustomization) bool {
	name := image
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	if name == "ccqa" || strings.HasSuffix(name, "/ccqa") {
		return true
	}
	for _, im := range k.Images {
		if im.Name == "ccqa" && (name == im.NewName) {
			return true
		}
	}
	return false
}

// TestKubernetes validates deploy/k8s: it must decode strictly and pass every cross-check.
// With -update it first rewrites the policy and rubric ConfigMaps from the repository files.
func TestKubernetes(t *testing.T) {
	if *update {
		for _, cf := range configFiles {
			if err := rewriteConfigMap(filepath.Join(k8sDir, configMapFile(cf.name)), cf.key, filepath.Join(repoRoot, cf.repoFile)); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, p := loadManifests(k8sDir)
	if len(p) > 0 {
		t.Fatalf("decoding deploy/k8s:\n%s", p)
	}
	if p := validateManifests(t, m); len(p) > 0 {
		t.Errorf("deploy/k8s:\n%s", p)
	}
	// A sanity check that the loader saw the whole set, so an empty directory cannot pass.
	if len(m.meta) < 9 {
		t.Errorf("decoded only %d objects", len(m.meta))
	}
}

// TestKubernetesBadFixtures proves each check can fail: every directory under testdata/k8s
// replaces some manifests of deploy/k8s by broken copies, and validation must report the
// problem named in its want.txt.
func TestKubernetesBadFixtures(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "k8s", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no fixtures in testdata/k8s: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := readWant(t, dir)
			tmp := t.TempDir()
			copyDir(t, k8sDir, tmp)
			overlays, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if len(overlays) == 0 {
				t.Fatalf("%s has no manifest", dir)
			}
			for _, f := range overlays {
				copyFile(t, f, filepath.Join(tmp, filepath.Base(f)))
			}
			m, p := loadManifests(tmp)
			if len(p) == 0 {
				p = validateManifests(t, m)
			}
			if !strings.Contains(p.String(), want) {
				t.Errorf("want a problem containing %q, got:\n%s", want, p)
			}
			if testing.Verbose() {
				t.Logf("reported: %s", p)
			}
		})
	}
}

func configMapFile(name string) string {
	return map[string]string{"ccqa-scorecard-policy": "configmap-policy.yaml", "ccqa-qa-rubric": "configmap-rubric.yaml"}[name]
}

// rewriteConfigMap replaces the literal block of key in a ConfigMap file by the source file,
// keeping the file's comments and metadata. It writes the literal form the test reads back.
func rewriteConfigMap(file, key, source string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(source)
	if err != nil {
		return err
	}
	head, _, ok := bytes.Cut(b, []byte("\n  "+key+": |\n"))
	if !ok {
		return fmt.Errorf("%s: no %q literal block", file, key)
	}
	var out bytes.Buffer
	out.Write(head)
	out.WriteString("\n  " + key + ": |\n")
	for _, l := range strings.SplitAfter(string(src), "\n") {
		if strings.TrimSpace(l) != "" {
			out.WriteString("    ")
		}
		out.WriteString(l)
	}
	return os.WriteFile(file, out.Bytes(), 0o644)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		copyFile(t, f, filepath.Join(to, filepath.Base(f)))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
