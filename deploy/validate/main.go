// Command validate checks rendered Kubernetes manifests (`helm template` output) without a
// cluster: every object is decoded strictly into the Go types the API server and the Prometheus
// Operator use (k8s.io/api, monitoring.coreos.com/v1), so an unknown field, a misspelt key or a
// wrong type is an error, and then checked for what those types cannot say: names and labels the
// API server would refuse, selectors that select nothing, ports and volumes named but not defined.
//
//	validate FILE...        (or - for standard input)
//
// Prints one line per object and exits 1 on the first file with any error (after listing all).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// The kinds a chart of this project may render; anything else is an error (and needs adding here).
var kinds = map[string]func() any{
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":            func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PodMonitor":     func() any { return &monitoringv1.PodMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monitoringv1.PrometheusRule{} },
}

type object struct {
	where string
	key   string // apiVersion/Kind
	name  string
	value any
}

type report struct{ errs []string }

func (r *report) add(where, format string, args ...any) {
	r.errs = append(r.errs, where+": "+fmt.Sprintf(format, args...))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate FILE... (- for standard input)")
		os.Exit(2)
	}
	r := &report{}
	var objects []object
	for _, file := range os.Args[1:] {
		var in io.Reader
		if file == "-" {
			in = os.Stdin
		} else {
			f, err := os.Open(file)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			defer f.Close()
			in = f
		}
		objects = append(objects, decodeAll(file, in, r)...)
	}
	for _, o := range objects {
		checkObject(o, r)
	}
	checkReferences(objects, r)

	counts := map[string]int{}
	for _, o := range objects {
		counts[o.key]++
		fmt.Printf("validate: %s %s (%s)\n", o.key, o.name, o.where)
	}
	var summary []string
	for k, n := range counts {
		summary = append(summary, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(summary)
	if len(r.errs) > 0 {
		for _, e := range r.errs {
			fmt.Fprintln(os.Stderr, "validate: ERROR "+e)
		}
		fmt.Fprintf(os.Stderr, "validate: %d objects, %d errors\n", len(objects), len(r.errs))
		os.Exit(1)
	}
	if len(objects) == 0 {
		fmt.Fprintln(os.Stderr, "validate: no objects")
		os.Exit(1)
	}
	fmt.Printf("validate: %d objects valid: %s\n", len(objects), strings.Join(summary, ", "))
}

func decodeAll(file string, in io.Reader, r *report) []object {
	var out []object
	reader := k8syaml.NewYAMLReader(bufio.NewReader(in))
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		where := fmt.Sprintf("%s#%d", file, i)
		if err != nil {
			r.add(where, "reading YAML: %v", err)
			return out
		}
		if src := sourceComment(doc); src != "" {
			where = src
		}
		// Duplicate keys are an error, not "the last one wins".
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			r.add(where, "YAML: %v", err)
			continue
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue // a document of comments only
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(js, &meta); err != nil {
			r.add(where, "not an object: %v", err)
			continue
		}
		key := meta.APIVersion + "/" + meta.Kind
		newObj, ok := kinds[key]
		if !ok {
			r.add(where, "unknown kind %q", key)
			continue
		}
		obj := newObj()
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(obj); err != nil {
			r.add(where, "%s %s: %v", key, meta.Metadata.Name, err)
			continue
		}
		out = append(out, object{where: where, key: key, name: meta.Metadata.Name, value: obj})
	}
}

// sourceComment returns the "# Source: chart/templates/x.yaml" line helm template writes.
func sourceComment(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "# Source: ") {
			return strings.TrimPrefix(line, "# Source: ")
		}
	}
	return ""
}

func checkMeta(where string, m metav1.ObjectMeta, dns1035 bool, r *report) {
	if m.Name == "" {
		r.add(where, "metadata.name is empty")
	}
	check := validation.IsDNS1123Subdomain
	if dns1035 {
		check = validation.IsDNS1035Label
	}
	for _, e := range check(m.Name) {
		r.add(where, "metadata.name %q: %s", m.Name, e)
	}
	if m.Namespace != "" {
		for _, e := range validation.IsDNS1123Label(m.Namespace) {
			r.add(where, "metadata.namespace %q: %s", m.Namespace, e)
		}
	}
	checkLabels(where+" metadata.labels", m.Labels, r)
	for k := range m.Annotations {
		for _, e := range validation.IsQualifiedName(strings.ToLower(k)) {
			r.add(where, "annotation %q: %s", k, e)
		}
	}
}

func checkLabels(where string, l map[string]string, r *report) {
	for k, v := range l {
		for _, e := range validation.IsQualifiedName(k) {
			r.add(where, "label key %q: %s", k, e)
		}
		for _, e := range validation.IsValidLabelValue(v) {
			r.add(where, "label %q value %q: %s", k, v, e)
		}
	}
}

func checkSelector(where string, sel *metav1.LabelSelector, podLabels map[string]string, r *report) {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		r.add(where, "empty selector")
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		r.add(where, "selector: %v", err)
		return
	}
	if !s.Matches(labels.Set(podLabels)) {
		r.add(where, "selector %s does not match the pod template's labels %v", s, podLabels)
	}
}

func checkPod(where string, spec corev1.PodSpec, claims []corev1.PersistentVolumeClaim, r *report) {
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		for _, e := range validation.IsDNS1123Label(v.Name) {
			r.add(where, "volume %q: %s", v.Name, e)
		}
		if volumes[v.Name] {
			r.add(where, "volume %q defined twice", v.Name)
		}
		volumes[v.Name] = true
	}
	for _, c := range claims {
		if volumes[c.Name] {
			r.add(where, "volume %q is both a pod volume and a volume claim template", c.Name)
		}
		volumes[c.Name] = true
	}
	if len(spec.Containers) == 0 {
		r.add(where, "no containers")
	}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		cw := where + " container " + c.Name
		for _, e := range validation.IsDNS1123Label(c.Name) {
			r.add(cw, "name: %s", e)
		}
		if c.Image == "" {
			r.add(cw, "no image")
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.Name != "" {
				for _, e := range validation.IsValidPortName(p.Name) {
					r.add(cw, "port name %q: %s", p.Name, e)
				}
				ports[p.Name] = true
			}
			for _, e := range validation.IsValidPortNum(int(p.ContainerPort)) {
				r.add(cw, "containerPort %d: %s", p.ContainerPort, e)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				r.add(cw, "volumeMount %q names no volume", m.Name)
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				r.add(cw, "volumeMount %q: mountPath %q is not absolute", m.Name, m.MountPath)
			}
		}
		for name, p := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
			if p == nil {
				continue
			}
			var port *intstr.IntOrString
			switch {
			case p.HTTPGet != nil:
				port = &p.HTTPGet.Port
				if !strings.HasPrefix(p.HTTPGet.Path, "/") {
					r.add(cw, "%s path %q is not absolute", name, p.HTTPGet.Path)
				}
			case p.TCPSocket != nil:
				port = &p.TCPSocket.Port
			case p.GRPC != nil, p.Exec != nil:
			default:
				r.add(cw, "%s has no handler", name)
			}
			if port != nil && port.Type == intstr.String && !ports[port.StrVal] {
				r.add(cw, "%s port %q is not a container port", name, port.StrVal)
			}
		}
		for _, rn := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
			for k, q := range rn {
				if q.Sign() < 0 {
					r.add(cw, "resource %s is negative", k)
				}
			}
		}
		for k, lim := range c.Resources.Limits {
			if req, ok := c.Resources.Requests[k]; ok && req.Cmp(lim) > 0 {
				r.add(cw, "request of %s above its limit", k)
			}
		}
	}
}

func checkObject(o object, r *report) {
	w := o.where + " " + o.key + " " + o.name
	switch v := o.value.(type) {
	case *corev1.ConfigMap:
		checkMeta(w, v.ObjectMeta, false, r)
		for k := range v.Data {
			for _, e := range validation.IsConfigMapKey(k) {
				r.add(w, "key %q: %s", k, e)
			}
		}
		size := 0
		for _, d := range v.Data {
			size += len(d)
		}
		if size > 1<<20 {
			r.add(w, "data is %d bytes, above the 1 MiB a ConfigMap may hold", size)
		}
	case *corev1.Secret:
		checkMeta(w, v.ObjectMeta, false, r)
	case *corev1.ServiceAccount:
		checkMeta(w, v.ObjectMeta, false, r)
	case *corev1.Service:
		checkMeta(w, v.ObjectMeta, true, r)
		if len(v.Spec.Ports) == 0 {
			r.add(w, "no ports")
		}
		for _, p := range v.Spec.Ports {
			for _, e := range validation.IsValidPortNum(int(p.Port)) {
				r.add(w, "port %d: %s", p.Port, e)
			}
			if len(v.Spec.Ports) > 1 && p.Name == "" {
				r.add(w, "a Service with several ports must name each")
			}
			for _, e := range validation.IsDNS1123Label(p.Name) {
				r.add(w, "port name %q: %s", p.Name, e)
			}
		}
		checkLabels(w+" selector", v.Spec.Selector, r)
	case *appsv1.StatefulSet:
		checkMeta(w, v.ObjectMeta, false, r)
		// The controller labels each pod with <name>-<hash> (controller-revision-hash, ≤ 63).
		if len(v.Name) > 52 {
			r.add(w, "a StatefulSet name longer than 52 characters makes invalid pod labels")
		}
		if v.Spec.ServiceName == "" {
			r.add(w, "spec.serviceName is empty")
		}
		checkLabels(w+" template labels", v.Spec.Template.Labels, r)
		checkSelector(w, v.Spec.Selector, v.Spec.Template.Labels, r)
		for _, c := range v.Spec.VolumeClaimTemplates {
			if _, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
				r.add(w, "volume claim template %q requests no storage", c.Name)
			}
		}
		checkPod(w, v.Spec.Template.Spec, v.Spec.VolumeClaimTemplates, r)
	case *appsv1.Deployment:
		checkMeta(w, v.ObjectMeta, false, r)
		checkSelector(w, v.Spec.Selector, v.Spec.Template.Labels, r)
		checkPod(w, v.Spec.Template.Spec, nil, r)
	case *policyv1.PodDisruptionBudget:
		checkMeta(w, v.ObjectMeta, false, r)
		if (v.Spec.MinAvailable == nil) == (v.Spec.MaxUnavailable == nil) {
			r.add(w, "exactly one of minAvailable and maxUnavailable")
		}
	case *networkingv1.Ingress:
		checkMeta(w, v.ObjectMeta, false, r)
	case *networkingv1.NetworkPolicy:
		checkMeta(w, v.ObjectMeta, false, r)
	case *autoscalingv2.HorizontalPodAutoscaler:
		checkMeta(w, v.ObjectMeta, false, r)
	case *monitoringv1.ServiceMonitor:
		checkMeta(w, v.ObjectMeta, false, r)
		if len(v.Spec.Endpoints) == 0 {
			r.add(w, "no endpoints")
		}
		for _, e := range v.Spec.Endpoints {
			if e.Port == "" && e.TargetPort == nil {
				r.add(w, "endpoint without port")
			}
		}
	case *monitoringv1.PodMonitor:
		checkMeta(w, v.ObjectMeta, false, r)
	case *monitoringv1.PrometheusRule:
		checkMeta(w, v.ObjectMeta, false, r)
		if len(v.Spec.Groups) == 0 {
			r.add(w, "no rule groups")
		}
		groups := map[string]bool{}
		for _, g := range v.Spec.Groups {
			if g.Name == "" || groups[g.Name] {
				r.add(w, "group name %q empty or repeated", g.Name)
			}
			groups[g.Name] = true
			if len(g.Rules) == 0 {
				r.add(w, "group %q has no rules", g.Name)
			}
			for i, rule := range g.Rules {
				if (rule.Record == "") == (rule.Alert == "") {
					r.add(w, "group %q rule %d: exactly one of record and alert", g.Name, i)
				}
				if rule.Expr.String() == "" {
					r.add(w, "group %q rule %d: empty expr", g.Name, i)
				}
				if rule.Record != "" && (len(rule.Annotations) > 0 || rule.For != nil) {
					r.add(w, "group %q recording rule %s: annotations or for", g.Name, rule.Record)
				}
			}
		}
	}
}

// checkReferences checks what ties the objects together: each Service selects the pods of a
// workload and targets ports they have, each ServiceMonitor selects a Service and scrapes a port
// it has, a StatefulSet's serviceName is a headless Service of the same render.
func checkReferences(objects []object, r *report) {
	type pods struct {
		labels map[string]string
		ports  map[string]bool
	}
	var workloads []pods
	services := map[string]*corev1.Service{}
	for _, o := range objects {
		var t *corev1.PodTemplateSpec
		switch v := o.value.(type) {
		case *appsv1.StatefulSet:
			t = &v.Spec.Template
		case *appsv1.Deployment:
			t = &v.Spec.Template
		case *corev1.Service:
			services[v.Name] = v
		}
		if t != nil {
			p := pods{labels: t.Labels, ports: map[string]bool{}}
			for _, c := range t.Spec.Containers {
				for _, cp := range c.Ports {
					p.ports[cp.Name] = true
				}
			}
			workloads = append(workloads, p)
		}
	}
	for _, o := range objects {
		w := o.where + " " + o.key + " " + o.name
		switch v := o.value.(type) {
		case *appsv1.StatefulSet:
			s, ok := services[v.Spec.ServiceName]
			if !ok {
				r.add(w, "serviceName %q is no Service of this render", v.Spec.ServiceName)
			} else if s.Spec.ClusterIP != corev1.ClusterIPNone {
				r.add(w, "serviceName %q is not headless", v.Spec.ServiceName)
			}
		case *corev1.Service:
			if v.Spec.Type == corev1.ServiceTypeExternalName {
				continue
			}
			matched := false
			for _, p := range workloads {
				if len(v.Spec.Selector) > 0 && labels.SelectorFromSet(v.Spec.Selector).Matches(labels.Set(p.labels)) {
					matched = true
					for _, sp := range v.Spec.Ports {
						if sp.TargetPort.Type == intstr.String && !p.ports[sp.TargetPort.StrVal] {
							r.add(w, "targetPort %q is not a port of the pods it selects", sp.TargetPort.StrVal)
						}
					}
				}
			}
			if !matched {
				r.add(w, "selector %v selects no pod template of this render", v.Spec.Selector)
			}
		case *monitoringv1.ServiceMonitor:
			sel, err := metav1.LabelSelectorAsSelector(&v.Spec.Selector)
			if err != nil {
				r.add(w, "selector: %v", err)
				continue
			}
			var selected []*corev1.Service
			for _, s := range services {
				if sel.Matches(labels.Set(s.Labels)) {
					selected = append(selected, s)
				}
			}
			if len(selected) != 1 {
				r.add(w, "selects %d Services of this render; one, or each pod is scraped more than once", len(selected))
			}
			for _, s := range selected {
				if v.Spec.JobLabel != "" {
					if _, ok := s.Labels[v.Spec.JobLabel]; !ok {
						r.add(w, "jobLabel %q is no label of Service %s", v.Spec.JobLabel, s.Name)
					}
				}
				for _, e := range v.Spec.Endpoints {
					found := false
					for _, sp := range s.Spec.Ports {
						found = found || sp.Name == e.Port
					}
					if e.Port != "" && !found {
						r.add(w, "endpoint port %q is no port of Service %s", e.Port, s.Name)
					}
				}
			}
		}
	}
}
