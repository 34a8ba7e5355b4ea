using System.Text.RegularExpressions;
using Campaigns.Functions.Hosting;
using Campaigns.Infra.Tests.Infrastructure;

namespace Campaigns.Infra.Tests;

/// <summary>
/// The function app's settings in the compiled template are the settings the app reads in Azure
/// (<see cref="DeployedSettings"/>): identity-based connections, telemetry, the voice agent, and never a key.
/// </summary>
public sealed partial class The_app_settings
{
    /// <summary>
    /// Settings Flex Consumption refuses or ignores: the runtime and the scale live in functionAppConfig, the package
    /// in its deployment container (docs: "Flex Consumption plan deprecations").
    /// </summary>
    private static readonly string[] RefusedOnFlexConsumption =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME_VERSION", "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "FUNCTIONS_WORKER_PROCESS_COUNT", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT", "SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITE_NODE_DEFAULT_VERSION",
    ];

    [Fact]
    public async Task Include_every_setting_the_app_reads_in_Azure()
    {
        var settings = (await CompiledInfra.GetAsync()).AppSettings();

        var missing = DeployedSettings.Required.Keys.Where(k => !settings.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "infra/modules/functionapp.bicep does not set: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Are_nothing_but_the_settings_the_app_reads_in_Azure()
    {
        var settings = (await CompiledInfra.GetAsync()).AppSettings();

        // Anything else is either a setting the app reads (add it to DeployedSettings.Required, with why) or one nobody reads.
        var unknown = settings.Keys.Where(k => !DeployedSettings.Required.ContainsKey(k)).ToList();
        Assert.True(unknown.Count == 0, "set but not in DeployedSettings.Required: " + string.Join(", ", unknown));
    }

    [Fact]
    public async Task Include_none_of_the_forbidden_settings_nor_any_Flex_Consumption_refuses()
    {
        var settings = (await CompiledInfra.GetAsync()).AppSettings();

        Assert.Empty(settings.Keys.Intersect(DeployedSettings.Forbidden, StringComparer.OrdinalIgnoreCase));
        Assert.Empty(settings.Keys.Intersect(RefusedOnFlexConsumption, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Connect_to_storage_Service_Bus_and_telemetry_with_the_user_assigned_identity()
    {
        var infra = await CompiledInfra.GetAsync();
        var settings = infra.AppSettings();

        foreach (var connection in new[] { "AzureWebJobsStorage", "ServiceBusConnection" })
        {
            Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
            Assert.Equal("[parameters('identityClientId')]", settings[$"{connection}__clientId"]);
        }
        Assert.Equal("[format('Authorization=AAD;ClientId={0}', parameters('identityClientId'))]", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        // ...and that parameter is the client id of the identity main.bicep creates.
        var clientId = infra.ModuleParameter("functionapp", "identityClientId");
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", clientId, StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", clientId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_the_voice_agent_key_as_a_Key_Vault_reference_resolved_with_the_app_identity()
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.Equal("[format('@Microsoft.KeyVault(SecretUri={0})', parameters('voiceAgentApiKeySecretUri'))]", infra.AppSettings()["VoiceAgent__ApiKey"]);
        Assert.Contains("'keyvault'", infra.ModuleParameter("functionapp", "voiceAgentApiKeySecretUri"), StringComparison.Ordinal);
        var site = infra.Single("Microsoft.Web/sites");
        Assert.Equal("[parameters('identityId')]", site.At("properties.keyVaultReferenceIdentity")?.ToString());
        Assert.Contains(site.At("identity.userAssignedIdentities")!.AsObject(), p => p.Key.Contains("parameters('identityId')", StringComparison.Ordinal));
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", infra.ModuleParameter("functionapp", "identityId"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_no_key_or_connection_string_in_any_value()
    {
        var settings = (await CompiledInfra.GetAsync()).AppSettings();

        var leaks = settings.Where(s => SecretPattern().IsMatch(s.Value)).Select(s => $"{s.Key} = {s.Value}").ToList();
        Assert.True(leaks.Count == 0, "settings with a secret in them:\n" + string.Join('\n', leaks));
    }

    [Fact]
    public async Task Nor_does_anything_else_in_the_template_read_a_key()
    {
        var infra = await CompiledInfra.GetAsync();

        // list*() functions (listKeys, listConnectionStrings, listSecrets...) read keys at deployment time.
        var text = infra.Main.ToJsonString();
        Assert.DoesNotMatch(ListFunction(), text);
        Assert.DoesNotMatch(SecretPattern(), text);
    }

    [GeneratedRegex(@"AccountKey=|SharedAccessKey|SharedAccessSignature|InstrumentationKey=|Password=|DefaultEndpointsProtocol=|listKeys\(", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();

    [GeneratedRegex(@"\blist[A-Z][A-Za-z]*\(")]
    private static partial Regex ListFunction();
}
