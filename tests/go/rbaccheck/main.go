// Command rbaccheck asks Kubernetes' own RBAC authorizer about rendered RBAC objects.
//
// It is built in GOPATH mode inside Debian's kubernetes source tree (its vendor/ supplies
// k8s.io/api, apimachinery, apiserver, client-go), so the decisions come from
// plugin/pkg/auth/authorizer/rbac, the code the API server runs, not from a re-implementation.
//
// stdin: {"objects": [Role|ClusterRole|RoleBinding|ClusterRoleBinding ...],
//
//	"requests": [{"user", "groups", "verb", "apiGroup", "resource", "subresource",
//	              "namespace", "name", "path"}],
//	"rulesFor": [{"user", "groups", "namespace"}]}
//
// stdout: {"decisions": [{"allowed": bool, "reason": str}], "rules": [[resource rules]]}
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/kubernetes/pkg/registry/rbac/validation"
	"k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
)

type request struct {
	User        string   `json:"user"`
	Groups      []string `json:"groups"`
	Verb        string   `json:"verb"`
	APIGroup    string   `json:"apiGroup"`
	Resource    string   `json:"resource"`
	Subresource string   `json:"subresource"`
	Namespace   string   `json:"namespace"`
	Name        string   `json:"name"`
	Path        string   `json:"path"`
}

type input struct {
	Objects  []json.RawMessage `json:"objects"`
	Requests []request         `json:"requests"`
	RulesFor []request         `json:"rulesFor"`
}

type decision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

type output struct {
	Decisions []decision `json:"decisions"`
	Rules     [][]string `json:"rules"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "rbaccheck: "+format+"\n", args...)
	os.Exit(2)
}

func decode(raw json.RawMessage, into interface{}) {
	if err := json.Unmarshal(raw, into); err != nil {
		fail("%v", err)
	}
}

// appendDecoded decodes one object into a new T (an rbacv1 type) and appends it.
func appendDecoded[T any](list []*T, raw json.RawMessage) []*T {
	obj := new(T)
	decode(raw, obj)
	return append(list, obj)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading stdin: %v", err)
	}
	var roles []*rbacv1.Role
	var roleBindings []*rbacv1.RoleBinding
	var clusterRoles []*rbacv1.ClusterRole
	var clusterRoleBindings []*rbacv1.ClusterRoleBinding
	for _, raw := range in.Objects {
		var head struct {
			Kind string `json:"kind"`
		}
		decode(raw, &head)
		switch head.Kind {
		case "Role":
			roles = appendDecoded(roles, raw)
		case "RoleBinding":
			roleBindings = appendDecoded(roleBindings, raw)
		case "ClusterRole":
			clusterRoles = appendDecoded(clusterRoles, raw)
		case "ClusterRoleBinding":
			clusterRoleBindings = appendDecoded(clusterRoleBindings, raw)
		default:
			fail("not an RBAC object: kind %q", head.Kind)
		}
	}
	_, static := validation.NewTestRuleResolver(roles, roleBindings, clusterRoles, clusterRoleBindings)
	authz := rbac.New(static, static, static, static)

	out := output{Decisions: []decision{}, Rules: [][]string{}}
	for _, r := range in.Requests {
		attrs := authorizer.AttributesRecord{
			User:            &user.DefaultInfo{Name: r.User, Groups: r.Groups},
			Verb:            r.Verb,
			Namespace:       r.Namespace,
			APIGroup:        r.APIGroup,
			Resource:        r.Resource,
			Subresource:     r.Subresource,
			Name:            r.Name,
			ResourceRequest: r.Path == "",
			Path:            r.Path,
		}
		d, reason, err := authz.Authorize(context.Background(), attrs)
		if err != nil {
			reason = reason + " error: " + err.Error()
		}
		out.Decisions = append(out.Decisions, decision{Allowed: d == authorizer.DecisionAllow, Reason: reason})
	}
	// what `kubectl auth can-i --list` shows: the server's SelfSubjectRulesReview uses RulesFor
	for _, r := range in.RulesFor {
		resourceRules, _, _, err := authz.RulesFor(&user.DefaultInfo{Name: r.User, Groups: r.Groups}, r.Namespace)
		if err != nil {
			fail("RulesFor: %v", err)
		}
		lines := []string{}
		for _, rule := range resourceRules {
			for _, verb := range rule.GetVerbs() {
				for _, group := range rule.GetAPIGroups() {
					for _, res := range rule.GetResources() {
						lines = append(lines, strings.Join([]string{verb, group, res, strings.Join(rule.GetResourceNames(), ",")}, " "))
					}
				}
			}
		}
		sort.Strings(lines)
		out.Rules = append(out.Rules, lines)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail("%v", err)
	}
}
