using System.Reflection;
using System.Runtime.Versioning;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Uploads;
using Campaigns.Infra.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Campaigns.Infra.Tests;

/// <summary>What main.bicep deploys: everything the app uses, each locked down as far as it can be set.</summary>
public sealed class The_resources
{
    [Theory]
    [InlineData("Microsoft.ManagedIdentity/userAssignedIdentities", 1)]
    [InlineData("Microsoft.Web/serverfarms", 1)]
    [InlineData("Microsoft.Web/sites", 1)]
    [InlineData("Microsoft.Web/sites/config", 1)]
    [InlineData("Microsoft.Storage/storageAccounts", 1)]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices/containers", 2)] // the deployment package, the uploads
    [InlineData("Microsoft.ServiceBus/namespaces", 1)]
    [InlineData("Microsoft.ServiceBus/namespaces/topics", 1)]
    [InlineData("Microsoft.ServiceBus/namespaces/queues", 1)]
    [InlineData("Microsoft.OperationalInsights/workspaces", 1)]
    [InlineData("Microsoft.Insights/components", 1)]
    [InlineData("Microsoft.KeyVault/vaults", 1)]
    [InlineData("Microsoft.KeyVault/vaults/secrets", 1)]
    [InlineData("Microsoft.EventGrid/systemTopics", 1)]
    [InlineData("Microsoft.Authorization/roleAssignments", 7)]
    public async Task Include_everything_the_app_uses(string type, int count)
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.Equal(count, infra.OfType(type).Count());
    }

    [Fact]
    public async Task Run_the_app_on_Flex_Consumption_as_dotnet_isolated_on_the_framework_the_app_targets()
    {
        var infra = await CompiledInfra.GetAsync();

        var plan = infra.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.At("sku.name")?.ToString());
        Assert.Equal("FlexConsumption", plan.At("sku.tier")?.ToString());
        Assert.Equal("true", plan.At("properties.reserved")?.ToString()); // Linux
        var site = infra.Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", site.At("kind")?.ToString());
        Assert.Equal("dotnet-isolated", site.At("properties.functionAppConfig.runtime.name")?.ToString());
        Assert.Equal("10.0", site.At("properties.functionAppConfig.runtime.version")?.ToString());
        var framework = typeof(DeployedSettings).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName; // .NETCoreApp,Version=v10.0
        Assert.EndsWith("Version=v" + site.At("properties.functionAppConfig.runtime.version"), framework, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_the_package_from_its_container_with_the_identity()
    {
        var infra = await CompiledInfra.GetAsync();

        var storage = infra.Single("Microsoft.Web/sites").At("properties.functionAppConfig.deployment.storage")!;
        Assert.Equal("blobContainer", storage["type"]?.ToString());
        Assert.Equal("UserAssignedIdentity", storage["authentication"]?["type"]?.ToString());
        Assert.Equal("[parameters('identityId')]", storage["authentication"]?["userAssignedIdentityResourceId"]?.ToString());
        Assert.Contains("outputs.deploymentContainerUrl", infra.ModuleParameter("functionapp", "deploymentContainerUrl"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_within_safe_bounds_and_keep_one_instance_always_ready_for_the_call_results_receiver()
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.Equal(1, infra.Parameter("alwaysReadyInstanceCount")["defaultValue"]!.GetValue<int>());
        Assert.Equal(2048, infra.Parameter("instanceMemoryMB")["defaultValue"]!.GetValue<int>());
        Assert.Equal(100, infra.Parameter("maximumInstanceCount")["defaultValue"]!.GetValue<int>());
        var scale = infra.Single("Microsoft.Web/sites").At("properties.functionAppConfig.scaleAndConcurrency")!;
        Assert.Equal("[parameters('maximumInstanceCount')]", scale["maximumInstanceCount"]?.ToString());
        Assert.Equal("[parameters('instanceMemoryMB')]", scale["instanceMemoryMB"]?.ToString());
        Assert.Contains("createObject('name', 'http', 'instanceCount', parameters('alwaysReadyInstanceCount'))", scale["alwaysReady"]?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Take_HTTPS_only_with_TLS_1_2_wherever_it_can_be_set()
    {
        var infra = await CompiledInfra.GetAsync();

        var site = infra.Single("Microsoft.Web/sites");
        Assert.Equal("true", site.At("properties.httpsOnly")?.ToString());
        Assert.Equal("1.2", site.At("properties.siteConfig.minTlsVersion")?.ToString());
        Assert.Equal("1.2", site.At("properties.siteConfig.scmMinTlsVersion")?.ToString());
        Assert.Equal("Disabled", site.At("properties.siteConfig.ftpsState")?.ToString());
        var storage = infra.Single("Microsoft.Storage/storageAccounts");
        Assert.Equal("true", storage.At("properties.supportsHttpsTrafficOnly")?.ToString());
        Assert.Equal("TLS1_2", storage.At("properties.minimumTlsVersion")?.ToString());
        Assert.Equal("1.2", infra.Single("Microsoft.ServiceBus/namespaces").At("properties.minimumTlsVersion")?.ToString());
    }

    [Fact]
    public async Task Accept_no_keys_only_Microsoft_Entra_identities()
    {
        var infra = await CompiledInfra.GetAsync();

        var storage = infra.Single("Microsoft.Storage/storageAccounts");
        Assert.Equal("false", storage.At("properties.allowSharedKeyAccess")?.ToString());
        Assert.Equal("false", storage.At("properties.allowBlobPublicAccess")?.ToString());
        Assert.Equal("true", infra.Single("Microsoft.ServiceBus/namespaces").At("properties.disableLocalAuth")?.ToString());
        Assert.Equal("true", infra.Single("Microsoft.Insights/components").At("properties.DisableLocalAuth")?.ToString());
        Assert.Equal("true", infra.Single("Microsoft.OperationalInsights/workspaces").At("properties.features.disableLocalAuth")?.ToString());
        // No publishing profile (user name and password) for FTP or the SCM site: deployments sign in with Entra ID.
        var policies = infra.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.Equal("false", p.At("properties.allow")?.ToString()));
    }

    [Fact]
    public async Task Keep_the_voice_agent_key_in_a_vault_with_role_based_access_and_soft_delete()
    {
        var infra = await CompiledInfra.GetAsync();

        var vault = infra.Single("Microsoft.KeyVault/vaults");
        Assert.Equal("true", vault.At("properties.enableRbacAuthorization")?.ToString());
        Assert.Equal("true", vault.At("properties.enableSoftDelete")?.ToString());
        Assert.Equal("securestring", infra.Parameter("voiceAgentApiKey")["type"]?.ToString(), ignoreCase: true);
        Assert.Equal("[parameters('voiceAgentApiKey')]", infra.ModuleParameter("keyvault", "secretValue"));
        Assert.Equal("[parameters('secretValue')]", infra.Single("Microsoft.KeyVault/vaults/secrets").At("properties.value")?.ToString());
    }

    [Fact]
    public async Task Publish_events_to_a_topic_that_drops_duplicates_and_take_results_from_a_queue_that_dead_letters()
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.Equal("true", infra.Single("Microsoft.ServiceBus/namespaces/topics").At("properties.requiresDuplicateDetection")?.ToString());
        var queue = infra.Single("Microsoft.ServiceBus/namespaces/queues");
        Assert.Equal("[parameters('callResultsMaxDeliveryCount')]", queue.At("properties.maxDeliveryCount")?.ToString());
        Assert.Equal(10, infra.Parameter("callResultsMaxDeliveryCount")["defaultValue"]!.GetValue<int>());
        Assert.Equal("true", queue.At("properties.deadLetteringOnMessageExpiration")?.ToString());
        // One parameter names each entity and feeds the app setting the app reads it from.
        Assert.Equal("[parameters('serviceBusTopicName')]", infra.ModuleParameter("servicebus", "topicName"));
        Assert.Equal("[parameters('callResultsQueueName')]", infra.ModuleParameter("servicebus", "callResultsQueueName"));
        Assert.Contains("'servicebus'", infra.ModuleParameter("functionapp", "serviceBusTopicName"), StringComparison.Ordinal);
        Assert.Contains("outputs.topicName", infra.ModuleParameter("functionapp", "serviceBusTopicName"), StringComparison.Ordinal);
        Assert.Contains("outputs.callResultsQueueName", infra.ModuleParameter("functionapp", "callResultsQueueName"), StringComparison.Ordinal);
    }

    /// <summary>Flex Consumption runs blob triggers only from Event Grid: the upload function says so, and the template feeds it.</summary>
    [Fact]
    public async Task Feed_the_upload_trigger_from_an_Event_Grid_topic_on_the_storage_account()
    {
        var infra = await CompiledInfra.GetAsync();

        var method = typeof(UploadFunctions).GetMethod(nameof(UploadFunctions.UploadSplit))!;
        var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<BlobTriggerAttribute>()).Single(a => a is not null)!;
        Assert.Equal(BlobTriggerSource.EventGrid, trigger.Source);
        Assert.Equal("%QueuePrefix%" + UploadBlobs.FilesContainer + "/{name}", trigger.BlobPath);
        Assert.Equal($"[format('{{0}}{UploadBlobs.FilesContainer}', parameters('queuePrefix'))]", infra.Main["variables"]?["uploadsContainerName"]?.ToString());
        Assert.Equal(method.GetCustomAttribute<FunctionAttribute>()!.Name, infra.Main["variables"]?["uploadFunctionName"]?.ToString());

        var topic = infra.Single("Microsoft.EventGrid/systemTopics");
        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.At("properties.topicType")?.ToString());
        Assert.Contains("outputs.id", infra.ModuleParameter("uploads-events", "storageAccountId"), StringComparison.Ordinal);
        Assert.Equal("[variables('uploadsContainerName')]", infra.ModuleParameter("storage", "uploadsContainerName"));
    }
}
