package dashboards_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds headless Chromium (Debian's `chromium`, which deploy/dev/install.sh
// installs; CCQA_CHROMIUM overrides). Without it the browser test skips, or fails under
// CCQA_REQUIRE_SERVICES=1 like every test that needs a real component.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("CCQA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CCQA_REQUIRE_SERVICES") == "1" {
		t.Fatal("chromium is not installed (deploy/dev/install.sh installs it); the browser test needs it")
	}
	t.Skip("chromium not installed: skipping the browser test")
	return ""
}

// pageCheck is what the browser saw on one page.
type pageCheck struct {
	Elements   int      `json:"elements"`
	Instances  int      `json:"instances"`
	Canvases   int      `json:"canvases"`
	Drawn      string   `json:"drawn"`
	Title      string   `json:"title"`
	BodyText   bool     `json:"bodyHasEvil"`
	BadScripts []string `json:"badScripts"`
	BadImages  int      `json:"badImages"`
}

// checkScript runs in the page after load: it counts the chart elements, the ECharts instances
// on them and their canvases of non-zero size, reads the title, looks for the malicious name as
// text, and lists any script element that is neither one of the two asset scripts nor a JSON
// option block, and any <img> the name might have injected.
const checkScript = `(() => {
  const els = Array.from(document.querySelectorAll('[data-chart]'));
  let inst = 0, canv = 0;
  for (const el of els) {
    if (window.echarts && echarts.getInstanceByDom(el)) inst++;
    const c = el.querySelector('canvas');
    if (c && c.width > 0 && c.height > 0) canv++;
  }
  const bad = Array.from(document.scripts).filter(s => !(s.type === 'application/json' || /(echarts\.min|dashboards)\.js$/.test(s.src))).map(s => s.outerHTML.slice(0, 80));
  return {elements: els.length, instances: inst, canvases: canv,
    drawn: document.documentElement.getAttribute('data-charts-drawn') || '',
    title: document.getElementById('title') ? document.getElementById('title').textContent : '',
    bodyHasEvil: document.body.innerText.includes(%q),
    badScripts: bad, badImages: document.querySelectorAll('img[src="x"]').length};
})()`

// browse loads each page in headless Chromium and checks that nothing went wrong: no console
// error or exception, no alert or other dialog, no request to any host but the test server,
// every chart drawn, the malicious name shown as text. It writes a screenshot of each page to
// a folder it prints (CCQA_SCREENSHOTS chooses it).
func browse(t *testing.T, base string, urls, files []string) {
	bin := chromiumPath(t)
	dir := os.Getenv("CCQA_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("ccqa-dashboards-screenshots-%d", time.Now().Unix()))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "dashboards browser test: screenshots in %s\n", dir)
	t.Logf("screenshots in %s", dir)
	host, _ := url.Parse(base)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	for i, u := range append(append([]string{}, urls...), files...) {
		tctx, cancelT := chromedp.NewContext(bctx)
		var mu sync.Mutex
		var problems []string
		add := func(format string, args ...any) {
			mu.Lock()
			problems = append(problems, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		if err := chromedp.Listen(tctx, func(ev any) {
			switch e := ev.(type) {
			case *runtime.EventConsoleAPICalled:
				if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
					var parts []string
					for _, a := range e.Args {
						parts = append(parts, string(a.Value)+a.Description)
					}
					add("console.%s: %s", e.Type, strings.Join(parts, " "))
				}
			case *runtime.EventExceptionThrown:
				d := e.ExceptionDetails
				desc := d.Text
				if d.Exception != nil {
					desc += " " + d.Exception.Description
				}
				add("exception at %s:%d: %s", d.URL, d.LineNumber, desc)
			case *log.EventEntryAdded:
				if e.Entry.Level == log.EntryLevelError {
					add("browser log error: %s %s", e.Entry.Text, e.Entry.URL)
				}
			case *page.EventJavascriptDialogOpening:
				add("a %s dialog opened: %q", e.Type, e.Message)
				// Close it from another goroutine: a listener must not run commands.
				go chromedp.Call(tctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			case *network.EventRequestWillBeSent:
				r, err := url.Parse(e.Request.URL)
				if err != nil || !(r.Scheme == "file" || r.Scheme == "data" || r.Host == host.Host) {
					add("request to another host: %s", e.Request.URL)
				}
			}
		}); err != nil {
			t.Fatalf("listen: %v", err)
		}
		var check pageCheck
		var shot []byte
		err := chromedp.Do(tctx,
			chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
					return err
				}
				_, err := chromedp.Call(ctx, log.Enable, cdp.Empty{})
				return err
			}),
			chromedp.Navigate(u),
			chromedp.WaitReady("body"),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := chromedp.Poll[bool](`document.documentElement.hasAttribute('data-charts-drawn') || document.querySelectorAll('[data-chart]').length === 0`,
					chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
				return err
			}),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) (err error) {
				check, err = chromedp.Evaluate[pageCheck](fmt.Sprintf(checkScript, evilName))(ctx, t)
				if err != nil {
					return err
				}
				shot, err = chromedp.FullScreenshot(100)(ctx, t)
				return err
			}),
		)
		if err != nil {
			cancelT()
			t.Fatalf("%s: %v", u, err)
		}
		name := fmt.Sprintf("%02d-%s.png", i, screenshotName(u))
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
		cancelT()
		mu.Lock()
		for _, p := range problems {
			t.Errorf("%s: %s", u, p)
		}
		mu.Unlock()
		if check.Elements == 0 && !strings.HasSuffix(u, "/dashboards/") && !strings.HasSuffix(u, "index.html") {
			t.Errorf("%s: no chart on the page", u)
		}
		if check.Instances != check.Elements || check.Canvases != check.Elements || check.Drawn != fmt.Sprint(check.Elements) {
			t.Errorf("%s: %d chart elements, %d ECharts instances, %d drawn canvases (data-charts-drawn=%q)", u, check.Elements, check.Instances, check.Canvases, check.Drawn)
		}
		if len(check.BadScripts) > 0 || check.BadImages > 0 {
			t.Errorf("%s: injected elements: scripts %v, img[src=x] %d", u, check.BadScripts, check.BadImages)
		}
		if strings.Contains(u, "agent") && !strings.Contains(u, "qa?") {
			if !strings.Contains(check.Title, evilName) || !check.BodyText {
				t.Errorf("%s: the malicious agent name is not shown as text (title %q)", u, check.Title)
			}
		}
		if strings.Contains(u, "team") && !check.BodyText {
			t.Errorf("%s: the malicious agent name is not shown as text in the leaderboard", u)
		}
		t.Logf("%s: %d charts drawn, screenshot %s", u, check.Canvases, name)
	}
}

func screenshotName(u string) string {
	r := strings.NewReplacer("http://", "", "file://", "", "/", "_", "?", "_", "&", "_", "=", "-", ":", "_", "%", "")
	s := r.Replace(u)
	if len(s) > 80 {
		s = s[len(s)-80:]
	}
	return s
}
