using System.Text.RegularExpressions;
using Campaigns.Infra.Tests.Infrastructure;

namespace Campaigns.Infra.Tests;

/// <summary>
/// The app's identity gets exactly the built-in roles it needs, each on the one resource it needs it for: never on the
/// resource group or the subscription, never a role outside this list.
/// </summary>
public sealed partial class The_role_assignments
{
    /// <summary>Built-in role definition id: its name, and the only kind of resource it may be assigned on.</summary>
    private static readonly Dictionary<string, (string Role, string Scope)> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = ("Storage Blob Data Owner", "Microsoft.Storage/storageAccounts"),
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = ("Storage Queue Data Contributor", "Microsoft.Storage/storageAccounts"),
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = ("Storage Table Data Contributor", "Microsoft.Storage/storageAccounts"),
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = ("Azure Service Bus Data Sender", "Microsoft.ServiceBus/namespaces/topics"),
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = ("Azure Service Bus Data Receiver", "Microsoft.ServiceBus/namespaces/queues"),
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = ("Monitoring Metrics Publisher", "Microsoft.Insights/components"),
        ["4633458b-17de-408a-b874-0445c86b69e6"] = ("Key Vault Secrets User", "Microsoft.KeyVault/vaults"),
    };

    [Fact]
    public async Task Are_each_scoped_to_one_resource_never_the_resource_group_or_subscription()
    {
        var assignments = (await CompiledInfra.GetAsync()).OfType("Microsoft.Authorization/roleAssignments").ToList();

        Assert.NotEmpty(assignments);
        foreach (var assignment in assignments)
        {
            // Without a scope an assignment applies to the deployment's scope: the whole resource group.
            var scope = assignment.Json["scope"]?.ToString();
            Assert.True(scope is not null, $"{assignment} has no scope: it would apply to the resource group");
            Assert.Matches(ResourceScope(), scope);
            Assert.DoesNotContain("resourceGroup()", scope, StringComparison.Ordinal);
            Assert.DoesNotContain("subscription()", scope, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Grant_only_the_allowed_roles_each_on_the_kind_of_resource_it_is_for()
    {
        var assignments = (await CompiledInfra.GetAsync()).OfType("Microsoft.Authorization/roleAssignments");

        foreach (var assignment in assignments)
        {
            var role = RoleOf(assignment);
            Assert.True(Allowed.TryGetValue(role, out var allowed), $"{assignment} grants role {role}, which is not one the app needs");
            Assert.Equal(allowed.Scope, ResourceScope().Match(assignment.Json["scope"]!.ToString()).Groups["type"].Value);
        }
    }

    [Fact]
    public async Task Grant_every_role_the_app_needs_once()
    {
        var assignments = (await CompiledInfra.GetAsync()).OfType("Microsoft.Authorization/roleAssignments");

        var granted = assignments.Select(RoleOf).ToList();
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), granted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Are_granted_to_the_app_identity_as_a_service_principal()
    {
        var infra = await CompiledInfra.GetAsync();

        foreach (var assignment in infra.OfType("Microsoft.Authorization/roleAssignments"))
        {
            Assert.Equal("[parameters('principalId')]", assignment.At("properties.principalId")?.ToString());
            Assert.Equal("ServicePrincipal", assignment.At("properties.principalType")?.ToString());
        }
        var principal = infra.ModuleParameter("roles", "principalId");
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", principal, StringComparison.Ordinal);
        Assert.EndsWith(".principalId]", principal, StringComparison.Ordinal);
    }

    private static string RoleOf(TemplateResource assignment)
    {
        var id = assignment.At("properties.roleDefinitionId")?.ToString() ?? "";
        var match = BuiltInRole().Match(id);
        Assert.True(match.Success, $"{assignment}: role definition '{id}' is not a built-in role by its id");
        return match.Groups["id"].Value;
    }

    /// <summary>An ARM resourceId() of one resource: its type names a provider's resource, not a group or subscription.</summary>
    [GeneratedRegex(@"^\[resourceId\('(?<type>Microsoft\.[A-Za-z]+/[A-Za-z/]+)', ")]
    private static partial Regex ResourceScope();

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', '(?<id>[0-9a-fA-F-]{36})'\)\]$")]
    private static partial Regex BuiltInRole();
}
