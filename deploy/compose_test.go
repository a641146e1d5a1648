package deploy_test

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/ccqa/ccqa/qa"
)

// composeDir holds the Compose file and the files it mounts.
const composeDir = "compose"

// composeFiles maps the Compose configs that must be the repository's own files to the real
// parser that must accept them.
var composeFiles = map[string]struct {
	repoFile string
	parse    func([]byte) error
}{
	"scorecard_policy": {"scorecard/policies/default.yaml", configFiles[0].parse},
	"qa_rubric":        {"qa/rubrics/default.yaml", configFiles[1].parse},
}

// loadCompose loads the Compose file, plus overrides merged over it as `docker compose -f a -f b`
// would, with the official loader: each file is validated against the Compose JSON schema (an
// unknown or misplaced key fails), then merged, interpolated and checked for consistency
// (services, secrets, configs and volumes that are referenced exist).
func loadCompose(overrides ...string) (*types.Project, error) {
	wd, err := filepath.Abs(composeDir)
	if err != nil {
		return nil, err
	}
	files := []types.ConfigFile{{Filename: filepath.Join(wd, "docker-compose.yml")}}
	for _, o := range overrides {
		abs, err := filepath.Abs(o)
		if err != nil {
			return nil, err
		}
		files = append(files, types.ConfigFile{Filename: abs})
	}
	// An empty environment: the file must not depend on the developer's variables.
	details := types.ConfigDetails{WorkingDir: wd, ConfigFiles: files, Environment: types.Mapping{}}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("ccqa", true)
	})
}

// clusterXML is the part of clickhouse/cluster.xml (and the cluster secret fragment) checked here.
type clusterXML struct {
	Macros struct {
		Shard   envRef `xml:"shard"`
		Replica envRef `xml:"replica"`
	} `xml:"macros"`
	ZooKeeper []struct {
		Host string `xml:"host"`
		Port int    `xml:"port"`
	} `xml:"zookeeper>node"`
	DDLPath string       `xml:"distributed_ddl>path"`
	Remote  remoteServer `xml:"remote_servers"`
}

type envRef struct {
	FromEnv string `xml:"from_env,attr"`
}

// remoteServer holds the clusters of <remote_servers>: each child element is a cluster.
type remoteServer struct {
	Clusters []struct {
		XMLName xml.Name
		Secret  string `xml:"secret"`
		Shards  []struct {
			InternalReplication bool `xml:"internal_replication"`
			Replicas            []struct {
				Host string `xml:"host"`
				Port int    `xml:"port"`
			} `xml:"replica"`
		} `xml:"shard"`
	} `xml:",any"`
}

type keeperXML struct {
	Keeper struct {
		TCPPort  int    `xml:"tcp_port"`
		ServerID envRef `xml:"server_id"`
		HTTP     struct {
			Port      int    `xml:"port"`
			Readiness string `xml:"readiness>endpoint"`
		} `xml:"http_control"`
		Raft []struct {
			ID       int    `xml:"id"`
			Hostname string `xml:"hostname"`
			Port     int    `xml:"port"`
		} `xml:"raft_configuration>server"`
	} `xml:"keeper_server"`
}

func readXML(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// imageIs reports whether a service runs the named image (any tag).
func imageIs(s types.ServiceConfig, name string) bool {
	n, _, _ := strings.Cut(s.Image, ":")
	return n == name
}

func envOf(s types.ServiceConfig, k string) string {
	if v := s.Environment[k]; v != nil {
		return *v
	}
	return ""
}

// validateCompose runs every cross-check on a loaded project.
func validateCompose(t *testing.T, p *types.Project) problems {
	var pr problems
	bin := ccqaBinary(t)
	known := ccqaEnvVars(t)
	wd, _ := filepath.Abs(composeDir)

	byRole := map[string][]types.ServiceConfig{}
	hostOf := map[string]types.ServiceConfig{} // hostname or network alias -> service
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		switch {
		case imageIs(s, "apache/kafka"):
			byRole["kafka"] = append(byRole["kafka"], s)
		case imageIs(s, "clickhouse/clickhouse-keeper"):
			byRole["keeper"] = append(byRole["keeper"], s)
		case imageIs(s, "clickhouse/clickhouse-server"):
			byRole["clickhouse"] = append(byRole["clickhouse"], s)
		case imageIs(s, "ccqa"):
			byRole["ccqa"] = append(byRole["ccqa"], s)
		default:
			pr.addf("service %s: unexpected image %q", name, s.Image)
		}
		if s.Hostname != "" {
			hostOf[s.Hostname] = s
		}
		hostOf[name] = s
		for _, n := range s.Networks {
			if n != nil {
				for _, a := range n.Aliases {
					hostOf[a] = s
				}
			}
		}
	}
	for role, want := range map[string]int{"kafka": 3, "keeper": 3, "clickhouse": 4} {
		if len(byRole[role]) != want {
			pr.addf("want %d %s services, found %d", want, role, len(byRole[role]))
		}
	}

	// Healthchecks and dependencies: a service_healthy condition needs a healthcheck, and the
	// order is ClickHouse → migrate → ingest and serve.
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		for dep, d := range s.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				continue // the loader reports it
			}
			if d.Condition == types.ServiceConditionHealthy && (target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0) {
				pr.addf("service %s waits for %s to be healthy, which has no healthcheck", name, dep)
			}
		}
	}
	mustWait := func(svc, dep, cond string) {
		s, ok := p.Services[svc]
		if !ok {
			pr.addf("service %s is missing", svc)
			return
		}
		if d, ok := s.DependsOn[dep]; !ok || d.Condition != cond {
			pr.addf("service %s must depend on %s with condition %s", svc, dep, cond)
		}
	}
	for _, ch := range byRole["clickhouse"] {
		mustWait("migrate", ch.Name, types.ServiceConditionHealthy)
		for _, k := range byRole["keeper"] {
			mustWait(ch.Name, k.Name, types.ServiceConditionHealthy)
		}
	}
	mustWait("ingest", "migrate", types.ServiceConditionCompletedSuccessfully)
	mustWait("serve", "migrate", types.ServiceConditionCompletedSuccessfully)
	for _, k := range byRole["kafka"] {
		mustWait("ingest", k.Name, types.ServiceConditionHealthy)
	}
	for _, s := range append(append([]types.ServiceConfig(nil), byRole["kafka"]...), append(byRole["keeper"], byRole["clickhouse"]...)...) {
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			pr.addf("service %s has no healthcheck", s.Name)
		}
	}

	// Kafka: a valid KRaft cluster id, node ids that match the controller quorum, hostnames that
	// match the advertised listeners.
	quorum := map[string]string{}
	for _, k := range byRole["kafka"] {
		id := envOf(k, "KAFKA_NODE_ID")
		if raw, err := base64.RawURLEncoding.DecodeString(envOf(k, "CLUSTER_ID")); err != nil || len(raw) != 16 {
			pr.addf("service %s: CLUSTER_ID %q is not 16 bytes in unpadded base64url (kafka-storage.sh random-uuid)", k.Name, envOf(k, "CLUSTER_ID"))
		}
		if _, dup := quorum[id]; dup {
			pr.addf("service %s: KAFKA_NODE_ID %s is not unique", k.Name, id)
		}
		quorum[id] = k.Hostname
		if want := "PLAINTEXT://" + k.Hostname + ":9092"; envOf(k, "KAFKA_ADVERTISED_LISTENERS") != want {
			pr.addf("service %s: KAFKA_ADVERTISED_LISTENERS %q, want %q", k.Name, envOf(k, "KAFKA_ADVERTISED_LISTENERS"), want)
		}
	}
	for _, k := range byRole["kafka"] {
		var voters []string
		for id, host := range quorum {
			voters = append(voters, id+"@"+host+":9093")
		}
		sort.Strings(voters)
		got := strings.Split(envOf(k, "KAFKA_CONTROLLER_QUORUM_VOTERS"), ",")
		sort.Strings(got)
		if !slices.Equal(got, voters) {
			pr.addf("service %s: KAFKA_CONTROLLER_QUORUM_VOTERS %v, want %v", k.Name, got, voters)
		}
	}

	// ClickHouse Keeper: the Raft members are the keeper services with their ids.
	var keeper keeperXML
	if err := readXML(filepath.Join(wd, "clickhouse", "keeper.xml"), &keeper); err != nil {
		pr.addf("%v", err)
	}
	raftIDs := map[string]int{}
	for _, r := range keeper.Keeper.Raft {
		raftIDs[r.Hostname] = r.ID
	}
	for _, k := range byRole["keeper"] {
		env := keeper.Keeper.ServerID.FromEnv
		if env == "" || envOf(k, env) != strconv.Itoa(raftIDs[k.Hostname]) || raftIDs[k.Hostname] == 0 {
			pr.addf("service %s: %s=%q does not match its raft_configuration id %d", k.Name, env, envOf(k, env), raftIDs[k.Hostname])
		}
		if !mounts(k, filepath.Join(wd, "clickhouse", "keeper.xml")) {
			pr.addf("service %s does not mount clickhouse/keeper.xml", k.Name)
		}
		if hc := strings.Join(k.HealthCheck.Test, " "); keeper.Keeper.HTTP.Readiness == "" ||
			!strings.Contains(hc, fmt.Sprintf(":%d%s", keeper.Keeper.HTTP.Port, keeper.Keeper.HTTP.Readiness)) {
			pr.addf("service %s: healthcheck %q does not ask the keeper's readiness endpoint", k.Name, hc)
		}
	}
	if len(raftIDs) != len(byRole["keeper"]) {
		pr.addf("keeper.xml has %d raft servers for %d keeper services", len(raftIDs), len(byRole["keeper"]))
	}

	// ClickHouse: remote_servers names the four servers, each with the shard macro of its place.
	var cluster, secret clusterXML
	if err := readXML(filepath.Join(wd, "clickhouse", "cluster.xml"), &cluster); err != nil {
		pr.addf("%v", err)
	}
	for _, z := range cluster.ZooKeeper {
		if s, ok := hostOf[z.Host]; !ok || !imageIs(s, "clickhouse/clickhouse-keeper") || z.Port != keeper.Keeper.TCPPort {
			pr.addf("cluster.xml: zookeeper node %s:%d is not a keeper service's port %d", z.Host, z.Port, keeper.Keeper.TCPPort)
		}
	}
	if cluster.DDLPath == "" {
		pr.addf("cluster.xml: no distributed_ddl path (ON CLUSTER needs it)")
	}
	clusterName := ""
	if m, ok := p.Services["migrate"]; ok {
		clusterName, _ = flagValue(m.Command, "cluster")
	}
	seen := map[string]bool{}
	found := false
	for _, c := range cluster.Remote.Clusters {
		if c.XMLName.Local != clusterName {
			continue
		}
		found = true
		for si, sh := range c.Shards {
			if !sh.InternalReplication {
				pr.addf("cluster.xml: shard %d needs internal_replication (Replicated tables replicate themselves)", si+1)
			}
			for _, r := range sh.Replicas {
				s, ok := hostOf[r.Host]
				if !ok || !imageIs(s, "clickhouse/clickhouse-server") {
					pr.addf("cluster.xml: replica %s is not a ClickHouse service", r.Host)
					continue
				}
				seen[s.Name] = true
				if got := envOf(s, cluster.Macros.Shard.FromEnv); got != strconv.Itoa(si+1) {
					pr.addf("service %s: shard macro %s=%q, but remote_servers lists it in shard %d", s.Name, cluster.Macros.Shard.FromEnv, got, si+1)
				}
				if got := envOf(s, cluster.Macros.Replica.FromEnv); got != r.Host {
					pr.addf("service %s: replica macro %s=%q, want its unique host name %q", s.Name, cluster.Macros.Replica.FromEnv, got, r.Host)
				}
			}
		}
	}
	if !found {
		pr.addf("migrate --cluster %q is not a cluster of cluster.xml's remote_servers", clusterName)
	}
	for _, ch := range byRole["clickhouse"] {
		if !seen[ch.Name] {
			pr.addf("service %s is in no shard of cluster %q", ch.Name, clusterName)
		}
		if !mounts(ch, filepath.Join(wd, "clickhouse", "cluster.xml")) {
			pr.addf("service %s does not mount clickhouse/cluster.xml", ch.Name)
		}
		if f := envOf(ch, "CLICKHOUSE_PASSWORD_FILE"); !hasSecretAt(p, ch, f) {
			pr.addf("service %s: CLICKHOUSE_PASSWORD_FILE=%q is not one of its secrets", ch.Name, f)
		}
	}
	if sec, ok := p.Secrets["clickhouse_cluster_secret"]; ok {
		if err := readXML(sec.File, &secret); err != nil {
			pr.addf("%v", err)
		} else if len(secret.Remote.Clusters) != 1 || secret.Remote.Clusters[0].XMLName.Local != clusterName || secret.Remote.Clusters[0].Secret == "" {
			pr.addf("secret clickhouse_cluster_secret must set <remote_servers><%s><secret>", clusterName)
		}
	}

	// The files the secrets and configs carry.
	for name, want := range composeFiles {
		c, ok := p.Configs[name]
		if !ok {
			pr.addf("config %s is missing", name)
			continue
		}
		repo, _ := filepath.Abs(filepath.Join(repoRoot, want.repoFile))
		if c.File != repo {
			pr.addf("config %s is %s, want the repository's %s", name, c.File, want.repoFile)
			continue
		}
		b, err := os.ReadFile(c.File)
		if err == nil {
			err = want.parse(b)
		}
		if err != nil {
			pr.addf("config %s: %v", name, err)
		}
	}
	if s, ok := p.Secrets["ccqa_users"]; ok {
		b, err := os.ReadFile(s.File)
		if err == nil {
			_, err = qa.ParseUsers(b)
		}
		if err != nil {
			pr.addf("secret ccqa_users: %v", err)
		}
	}
	if s, ok := p.Secrets["clickhouse_password"]; ok {
		if b, err := os.ReadFile(s.File); err != nil || strings.TrimSpace(string(b)) == "" {
			pr.addf("secret clickhouse_password: empty or unreadable (%v)", err)
		}
	}

	// ccqa services: the command line parses with the real binary, every CCQA_* variable is read
	// by the code, files exist where the variables point, addresses name services.
	for _, s := range byRole["ccqa"] {
		where := "service " + s.Name
		if len(s.Entrypoint) > 0 {
			pr.addf("%s: entrypoint replaces the image's ccqa", where)
		}
		if err := checkArgs(bin, s.Command); err != nil {
			pr.addf("%s: %v", where, err)
			continue
		}
		vars := map[string]string{}
		for k := range s.Environment {
			vars[k] = envOf(s, k)
		}
		if err := checkConnection(vars); err != nil {
			pr.addf("%s: %v", where, err)
		}
		for k, v := range s.Environment {
			if !strings.HasPrefix(k, "CCQA_") {
				continue
			}
			if !known[k] {
				pr.addf("%s: env %s is read by no ccqa code", where, k)
			}
			if v == nil {
				continue
			}
			if fileEnvVars[k] && !hasSecretAt(p, s, *v) && !hasConfigAt(s, *v) {
				pr.addf("%s: env %s=%s is not a secret or config of the service", where, k, *v)
			}
		}
		for _, a := range strings.Split(envOf(s, "CCQA_BROKERS"), ",") {
			h, _, err := net.SplitHostPort(a)
			if t, ok := hostOf[h]; err != nil || !ok || !imageIs(t, "apache/kafka") {
				pr.addf("%s: CCQA_BROKERS %q is not a Kafka service", where, a)
			}
		}
		for _, a := range strings.Split(envOf(s, "CCQA_CLICKHOUSE"), ",") {
			h, _, err := net.SplitHostPort(a)
			if t, ok := hostOf[h]; err != nil || !ok || !imageIs(t, "clickhouse/clickhouse-server") {
				pr.addf("%s: CCQA_CLICKHOUSE %q is not a ClickHouse service or alias", where, a)
			}
		}
		switch s.Command[0] {
		case "ingest":
			addr, _ := flagValue(s.Command, "metrics-addr")
			port, err := listenPort(addr)
			if err != nil {
				pr.addf("%s: --metrics-addr %q: %v", where, addr, err)
			} else if s.HealthCheck == nil || !strings.Contains(strings.Join(s.HealthCheck.Test, " "), ":"+strconv.Itoa(port)+"/") {
				pr.addf("%s: healthcheck does not ask the metrics port %d", where, port)
			}
			partitions := 4 // ccqa ingest's default --partitions
			if v, ok := flagValue(s.Command, "partitions"); ok {
				partitions, _ = strconv.Atoi(v)
			}
			replicas := 1
			if s.Deploy != nil && s.Deploy.Replicas != nil {
				replicas = *s.Deploy.Replicas
			}
			if replicas > partitions {
				pr.addf("%s: replicas %d > topic partitions %d (--partitions): the extra replicas would get no partition", where, replicas, partitions)
			}
		case "serve":
			addr, _ := flagValue(s.Command, "addr")
			port, err := listenPort(addr)
			if err != nil {
				pr.addf("%s: --addr %q: %v", where, addr, err)
				break
			}
			if s.HealthCheck == nil || !strings.Contains(strings.Join(s.HealthCheck.Test, " "), ":"+strconv.Itoa(port)+"/healthz") {
				pr.addf("%s: healthcheck does not ask /healthz on port %d", where, port)
			}
			for _, pp := range s.Ports {
				if int(pp.Target) != port {
					pr.addf("%s: published port targets %d, but serve listens on %d", where, pp.Target, port)
				}
			}
		}
	}
	return pr
}

func mounts(s types.ServiceConfig, file string) bool {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source == file {
			return true
		}
	}
	return false
}

// hasSecretAt reports whether file is where one of the service's secrets is mounted
// (/run/secrets/NAME unless a target says otherwise).
func hasSecretAt(p *types.Project, s types.ServiceConfig, file string) bool {
	for _, sec := range s.Secrets {
		target := sec.Target
		if target == "" {
			target = sec.Source
		}
		if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		if _, ok := p.Secrets[sec.Source]; ok && target == file {
			return true
		}
	}
	return false
}

func hasConfigAt(s types.ServiceConfig, file string) bool {
	for _, c := range s.Configs {
		target := c.Target
		if target == "" {
			target = "/" + c.Source
		}
		if target == file {
			return true
		}
	}
	return false
}

// TestCompose validates deploy/compose/docker-compose.yml with the official loader and every
// cross-check.
func TestCompose(t *testing.T) {
	p, err := loadCompose()
	if err != nil {
		t.Fatalf("loading the Compose file: %v", err)
	}
	if pr := validateCompose(t, p); len(pr) > 0 {
		t.Errorf("deploy/compose:\n%s", pr)
	}
	if len(p.Services) < 13 {
		t.Errorf("loaded only %d services", len(p.Services))
	}
}

// TestComposeBadFixtures proves each check can fail: every directory under testdata/compose has
// an override.yml merged over the Compose file (as `docker compose -f … -f override.yml` would)
// that breaks one thing, and loading or validation must report the problem in its want.txt.
func TestComposeBadFixtures(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "compose", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no fixtures in testdata/compose: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := readWant(t, dir)
			var got string
			p, err := loadCompose(filepath.Join(dir, "override.yml"))
			if err != nil {
				got = err.Error()
			} else {
				got = validateCompose(t, p).String()
			}
			if !strings.Contains(got, want) {
				t.Errorf("want a problem containing %q, got:\n%s", want, got)
			}
			if testing.Verbose() {
				t.Logf("reported: %s", got)
			}
		})
	}
}
