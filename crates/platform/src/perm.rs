//! Permissions, built-in roles and the three separated administrators (三员分立).
//! Every area declares its permissions and what each built-in role is granted; routes name one.

#[derive(Clone, Copy, Debug)]
pub struct Permission {
    pub code: &'static str,
    pub name: &'static str,
    pub group: &'static str,
}

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Anyone, logged in or not (login page, health check, static assets).
    Public,
    /// Any logged-in account (home, own password, to-dos).
    LoggedIn,
    Perm(&'static str),
}

pub const UNIT_VIEW: &str = "unit:view";
pub const UNIT_EDIT: &str = "unit:edit";
pub const USER_VIEW: &str = "user:view";
pub const USER_EDIT: &str = "user:edit";
pub const USER_GRANT: &str = "user:grant";
pub const ROLE_VIEW: &str = "role:view";
pub const ROLE_EDIT: &str = "role:edit";
pub const AUDIT_VIEW: &str = "audit:view";
pub const AUDIT_EXPORT: &str = "audit:export";
pub const SETTING_EDIT: &str = "setting:edit";
pub const SECURITY_EDIT: &str = "security:edit";

pub const PLATFORM_PERMISSIONS: &[Permission] = &[
    Permission { code: UNIT_VIEW, name: "查看单位", group: "系统管理" },
    Permission { code: UNIT_EDIT, name: "维护单位", group: "系统管理" },
    Permission { code: USER_VIEW, name: "查看账号", group: "系统管理" },
    Permission { code: USER_EDIT, name: "维护账号、重置密码", group: "系统管理" },
    Permission { code: USER_GRANT, name: "授予角色与密级", group: "系统管理" },
    Permission { code: ROLE_VIEW, name: "查看角色", group: "系统管理" },
    Permission { code: ROLE_EDIT, name: "维护角色权限与数据范围", group: "系统管理" },
    Permission { code: AUDIT_VIEW, name: "查询审计日志", group: "系统管理" },
    Permission { code: AUDIT_EXPORT, name: "导出审计日志", group: "系统管理" },
    Permission { code: SETTING_EDIT, name: "系统参数设置", group: "系统管理" },
    Permission { code: SECURITY_EDIT, name: "安全策略设置", group: "系统管理" },
];

/// Permissions only an administrator role may hold: a business role never manages accounts,
/// roles, settings or the audit log.
pub const ADMIN_ONLY: &[&str] =
    &[USER_VIEW, USER_EDIT, USER_GRANT, ROLE_VIEW, ROLE_EDIT, AUDIT_VIEW, AUDIT_EXPORT, SETTING_EDIT, SECURITY_EDIT];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminKind {
    System,
    Security,
    Audit,
}

impl AdminKind {
    pub fn code(self) -> &'static str {
        match self {
            AdminKind::System => "system",
            AdminKind::Security => "security",
            AdminKind::Audit => "audit",
        }
    }

    /// The only permissions an administrator role may ever hold: no business ledger is among them.
    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            AdminKind::System => &[UNIT_VIEW, UNIT_EDIT, USER_VIEW, USER_EDIT, SETTING_EDIT],
            AdminKind::Security => &[USER_VIEW, USER_GRANT, ROLE_VIEW, ROLE_EDIT, SECURITY_EDIT],
            AdminKind::Audit => &[AUDIT_VIEW, AUDIT_EXPORT],
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct BuiltinRole {
    pub code: &'static str,
    pub name: &'static str,
    pub admin: Option<AdminKind>,
    pub scope: &'static str,
    pub description: &'static str,
}

pub const BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        code: "system_admin",
        name: "系统管理员",
        admin: Some(AdminKind::System),
        scope: "all",
        description: "管理单位、账号与系统参数；不能查看业务台账",
    },
    BuiltinRole {
        code: "security_admin",
        name: "安全管理员",
        admin: Some(AdminKind::Security),
        scope: "all",
        description: "管理角色、权限、数据范围与密级；不能查看业务台账",
    },
    BuiltinRole {
        code: "audit_admin",
        name: "审计管理员",
        admin: Some(AdminKind::Audit),
        scope: "all",
        description: "只查询与导出审计日志",
    },
    BuiltinRole {
        code: "leader",
        name: "监狱领导",
        admin: None,
        scope: "all",
        description: "本监狱全部数据，查看驾驶舱与报告",
    },
    BuiltinRole {
        code: "party_office",
        name: "党委办（政治处）",
        admin: None,
        scope: "all",
        description: "本监狱全部数据，维护党建台账",
    },
    BuiltinRole {
        code: "discipline",
        name: "纪委",
        admin: None,
        scope: "all",
        description: "本监狱全部数据，含问责与廉政谈话",
    },
    BuiltinRole {
        code: "unit_clerk",
        name: "部门内勤",
        admin: None,
        scope: "unit_and_below",
        description: "本部门及下级的台账",
    },
    BuiltinRole {
        code: "officer",
        name: "民警职工",
        admin: None,
        scope: "self",
        description: "本人的学习、考试与记录",
    },
];

/// Built-in grants of the platform's own permissions: (role code, permission).
pub const PLATFORM_GRANTS: &[(&str, &str)] = &[
    ("system_admin", UNIT_VIEW),
    ("system_admin", UNIT_EDIT),
    ("system_admin", USER_VIEW),
    ("system_admin", USER_EDIT),
    ("system_admin", SETTING_EDIT),
    ("security_admin", USER_VIEW),
    ("security_admin", USER_GRANT),
    ("security_admin", ROLE_VIEW),
    ("security_admin", ROLE_EDIT),
    ("security_admin", SECURITY_EDIT),
    ("audit_admin", AUDIT_VIEW),
    ("audit_admin", AUDIT_EXPORT),
    ("leader", UNIT_VIEW),
    ("party_office", UNIT_VIEW),
    ("discipline", UNIT_VIEW),
    ("unit_clerk", UNIT_VIEW),
    ("unit_clerk", UNIT_EDIT),
];

pub fn admin_kind_of(code: &str) -> Option<AdminKind> {
    match code {
        "system" => Some(AdminKind::System),
        "security" => Some(AdminKind::Security),
        "audit" => Some(AdminKind::Audit),
        _ => None,
    }
}

pub fn scope_name(scope: &str) -> &'static str {
    match scope {
        "all" => "全部（本监狱）",
        "custom" => "自定义单位",
        "unit" => "本部门",
        "unit_and_below" => "本部门及以下",
        "self" => "仅本人",
        _ => "未知",
    }
}
