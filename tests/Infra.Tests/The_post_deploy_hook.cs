using Campaigns.Infra.Tests.Infrastructure;

namespace Campaigns.Infra.Tests;

/// <summary>
/// infra/hooks/postdeploy.sh subscribes the upload function to the storage account's BlobCreated events through the
/// blobs extension's webhook, once the app's blobs_extension key exists; run against stand-ins for az and curl.
/// </summary>
public sealed class The_post_deploy_hook : IDisposable
{
    private const string Key = "k3y-0f-the-bl0bs-extension";
    private readonly HookRun _hook = new();

    [Fact]
    public async Task Subscribes_the_upload_function_to_blobs_created_in_the_upload_container()
    {
        await _hook.RunAsync(Key);

        Assert.True(_hook.ExitCode == 0, _hook.Output);
        var create = Assert.Single(_hook.CallsOf("az", "eventgrid", "system-topic", "event-subscription", "create"));
        Assert.Equal("rg-campaigns", HookRun.Option(create, "--resource-group"));
        Assert.Equal("evgt-campaigns-abc", HookRun.Option(create, "--system-topic-name"));
        Assert.Equal("webhook", HookRun.Option(create, "--endpoint-type"));
        Assert.Equal(
            $"https://func-campaigns-abc.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.UploadSplit&code={Key}",
            HookRun.Option(create, "--endpoint"));
        Assert.Equal("Microsoft.Storage.BlobCreated", HookRun.Option(create, "--included-event-types"));
        Assert.Equal("/blobServices/default/containers/uploads/blobs/", HookRun.Option(create, "--subject-begins-with"));
        Assert.Equal(".csv", HookRun.Option(create, "--subject-ends-with"));
    }

    [Fact]
    public async Task Never_prints_the_key()
    {
        await _hook.RunAsync(Key, keyAfterCalls: 2);

        Assert.Equal(0, _hook.ExitCode);
        Assert.DoesNotContain(Key, _hook.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waits_for_the_key_and_wakes_the_app_while_it_waits()
    {
        await _hook.RunAsync(Key, keyAfterCalls: 3);

        Assert.True(_hook.ExitCode == 0, _hook.Output);
        Assert.Equal(3, _hook.CallsOf("az", "functionapp", "keys", "list").Count());
        var wakes = _hook.CallsOf("curl").ToList();
        Assert.Equal(2, wakes.Count);
        Assert.All(wakes, w => Assert.Equal("https://func-campaigns-abc.azurewebsites.net/health", w[^1]));
        Assert.Single(_hook.CallsOf("az", "eventgrid", "system-topic", "event-subscription", "create"));
    }

    [Fact]
    public async Task Gives_up_with_a_reason_when_the_app_never_gets_its_key()
    {
        await _hook.RunAsync(Key, keyAfterCalls: int.MaxValue, new Dictionary<string, string?> { ["POSTDEPLOY_KEY_ATTEMPTS"] = "3" });

        Assert.NotEqual(0, _hook.ExitCode);
        Assert.Contains("no blobs_extension key", _hook.Output, StringComparison.Ordinal);
        Assert.Equal(3, _hook.CallsOf("az", "functionapp", "keys", "list").Count());
        Assert.Empty(_hook.CallsOf("az", "eventgrid"));
    }

    [Fact]
    public async Task Refuses_to_run_without_the_deployment_outputs_and_names_the_missing_one()
    {
        await _hook.RunAsync(Key, environment: new Dictionary<string, string?> { ["UPLOADS_CONTAINER_NAME"] = null });

        Assert.Equal(2, _hook.ExitCode);
        Assert.Contains("UPLOADS_CONTAINER_NAME", _hook.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(_hook.Calls, c => c[0] == "az");
    }

    /// <summary>Run again (every deployment, or after the key was renewed), it replaces its one subscription, with the new key.</summary>
    [Fact]
    public async Task Run_again_updates_the_same_subscription_with_the_current_key()
    {
        await _hook.RunAsync(Key);
        var first = Assert.Single(_hook.CallsOf("az", "eventgrid", "system-topic", "event-subscription", "create"));
        using var again = new HookRun();
        await again.RunAsync("renewed-key");
        var second = Assert.Single(again.CallsOf("az", "eventgrid", "system-topic", "event-subscription", "create"));

        Assert.Equal(HookRun.Option(first, "--name"), HookRun.Option(second, "--name"));
        Assert.EndsWith("&code=renewed-key", HookRun.Option(second, "--endpoint"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uses_the_subscription_azd_deployed_to()
    {
        await _hook.RunAsync(Key, environment: new Dictionary<string, string?> { ["AZURE_SUBSCRIPTION_ID"] = "00000000-1111-2222-3333-444444444444" });

        Assert.Equal(0, _hook.ExitCode);
        Assert.All(_hook.Calls.Where(c => c[0] == "az"), c => Assert.Contains("--subscription=00000000-1111-2222-3333-444444444444", c));
    }

    [Fact]
    public async Task Reads_only_what_main_bicep_outputs()
    {
        var outputs = (await CompiledInfra.GetAsync()).Main["outputs"]!.AsObject();

        Assert.All(HookRun.DeploymentOutputs.Keys, name => Assert.True(outputs.ContainsKey(name), $"main.bicep has no output {name}"));
    }

    public void Dispose() => _hook.Dispose();
}
