package access

import (
	"slices"
	"strings"
)

// Permission is one entry of the catalogue. Each route declares the one it
// needs and each service method checks it again, with the unit scope.
type Permission string

// The catalogue. Names are "area:verb". Later capabilities add theirs here,
// so that one file answers "who can do what".
const (
	PermUnitsRead      Permission = "units:read"
	PermUnitsManage    Permission = "units:manage"
	PermAccountsManage Permission = "accounts:manage"
	PermSettingsManage Permission = "settings:manage"
	PermAuditRead      Permission = "audit:read"
	PermAuditVerify    Permission = "audit:verify"
	PermSubjectsRead   Permission = "subjects:read"
	PermSubjectsWrite  Permission = "subjects:write"
	PermSubjectsExport Permission = "subjects:export"
	PermSubjectsImport Permission = "subjects:import"
	PermDataMapRead    Permission = "datamap:read"
	PermDataMapWrite   Permission = "datamap:write"
	PermConsentRecord  Permission = "consent:record"
	PermListsRequest   Permission = "lists:request"
	PermDisclosures    Permission = "disclosures:approve"
	PermRightsLog      Permission = "rights:log"
	PermRightsManage   Permission = "rights:manage"
	PermCasesRead      Permission = "cases:read"
	PermCasesWrite     Permission = "cases:write"
	PermBreachesReport Permission = "breaches:report"
	PermBreachesManage Permission = "breaches:manage"
	PermRetention      Permission = "retention:manage"
	PermReportsRead    Permission = "reports:read"
	// PermGovernanceManage runs onboarding and offboarding: policies and
	// their versions, training records, the people checklist, leaving.
	PermGovernanceManage Permission = "governance:manage"
	// PermSelf is held by every signed-in account: its own settings,
	// sessions and tokens.
	PermSelf Permission = "self"
)

// Role names a bundle of permissions granted on a unit.
type Role string

const (
	RoleDPO        Role = "dpo"
	RoleMembership Role = "membership"
	RoleOfficer    Role = "officer"
	RoleRep        Role = "rep"
	RoleTrustee    Role = "trustee"
	RoleAdmin      Role = "admin"
)

// Roles lists every role in the order they are shown.
func Roles() []Role {
	return []Role{RoleDPO, RoleMembership, RoleOfficer, RoleRep, RoleTrustee, RoleAdmin}
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(Roles(), r)
}

// PersonalData reports whether a permission reaches personal data of data
// subjects. The admin role holds none of these.
func (p Permission) PersonalData() bool {
	switch p {
	case PermSubjectsRead, PermSubjectsWrite, PermSubjectsExport, PermSubjectsImport,
		PermConsentRecord, PermListsRequest, PermDisclosures, PermRightsLog, PermRightsManage,
		PermCasesRead, PermCasesWrite, PermBreachesManage, PermRetention, PermAuditRead:
		return true
	}
	return false
}

// Permissions returns what a role may do. Kept as a switch rather than a
// package map so nothing can change it at run time.
func (r Role) Permissions() []Permission {
	switch r {
	case RoleDPO:
		return []Permission{PermUnitsRead, PermAuditRead, PermAuditVerify,
			PermSubjectsRead, PermSubjectsWrite, PermSubjectsExport, PermSubjectsImport,
			PermDataMapRead, PermDataMapWrite, PermConsentRecord, PermListsRequest, PermDisclosures,
			PermRightsLog, PermRightsManage, PermCasesRead, PermCasesWrite,
			PermBreachesReport, PermBreachesManage, PermRetention, PermReportsRead, PermGovernanceManage}
	case RoleMembership:
		return []Permission{PermUnitsRead, PermSubjectsRead, PermSubjectsWrite, PermSubjectsExport,
			PermSubjectsImport, PermDataMapRead, PermConsentRecord, PermListsRequest,
			PermRightsLog, PermBreachesReport}
	case RoleOfficer:
		return []Permission{PermUnitsRead, PermSubjectsRead, PermSubjectsWrite, PermConsentRecord,
			PermListsRequest, PermDisclosures, PermRightsLog, PermCasesRead, PermCasesWrite,
			PermBreachesReport}
	case RoleRep:
		return []Permission{PermUnitsRead, PermSubjectsRead, PermConsentRecord, PermListsRequest,
			PermRightsLog, PermCasesRead, PermCasesWrite, PermBreachesReport}
	case RoleTrustee:
		return []Permission{PermUnitsRead, PermDataMapRead, PermReportsRead}
	case RoleAdmin:
		return []Permission{PermUnitsRead, PermUnitsManage, PermAccountsManage, PermSettingsManage,
			PermAuditVerify}
	}
	return nil
}

// ReadOnly reports whether a permission only reads.
func (p Permission) ReadOnly() bool { return strings.HasSuffix(string(p), ":read") }

// Permissions of an actor across all its grants, in catalogue order.
func (a *Actor) Permissions() []Permission {
	var out []Permission
	for _, r := range Roles() {
		for _, g := range a.Grants {
			if g.Role != r {
				continue
			}
			for _, p := range r.Permissions() {
				if !slices.Contains(out, p) && a.tokenAllows(p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// Grants reports whether the role includes p.
func (r Role) Grants(p Permission) bool { return slices.Contains(r.Permissions(), p) }
