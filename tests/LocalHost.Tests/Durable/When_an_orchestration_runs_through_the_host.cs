using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Durable;

/// <summary>
/// Durable Functions through the local host and the real isolated worker, on the Azure Storage provider in Azurite:
/// the sample's HTTP functions start and query orchestrations through <c>[DurableClient]</c> (the host's sidecar gRPC
/// endpoint), and the host's dispatchers run the orchestrator and its activities as invocations of the worker.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_an_orchestration_runs_through_the_host(StorageFixture storage, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Activities_timers_and_ContinueAsNew_run_to_completion_with_the_output_in_order()
    {
        await using var app = await StartAsync();
        var id = NewId();

        await StartGreetingAsync(app, id, new { name = "Ada", rounds = 3, timerSeconds = 1, waitForApproval = false, failActivity = false });

        var status = await CompletedAsync(app, id);
        Assert.Equal("Completed", status["status"]!.GetValue<string>());
        Assert.Equal("""["Hello, Ada #0","Hello, Ada #1","Hello, Ada #2"]""", status["output"]!.GetValue<string>());
        // ContinueAsNew keeps the history to one generation's events (an activity and a timer, about 14 rows), where
        // three rounds in one generation would hold three times as many.
        var history = await HistoryRowsAsync(app, id);
        Assert.InRange(history, 1, 16);
    }

    [Fact]
    public async Task An_external_event_raised_through_the_client_wakes_the_waiting_orchestration()
    {
        await using var app = await StartAsync();
        var id = NewId();
        await StartGreetingAsync(app, id, new { name = "Grace", rounds = 1, timerSeconds = 0, waitForApproval = true, failActivity = false });
        await Eventually.UntilAsync(() => StatusAsync(app, id), s => s?["customStatus"]?.GetValue<string>() is { } c && c.Contains("round"),
            "the orchestration reached its wait", Patience);

        using (var raised = await app.Http.PostAsync($"/greetings/{id}/approve", new StringContent("the operator")))
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);

        var status = await CompletedAsync(app, id);
        Assert.Equal("""["Hello, Grace #0","approved by the operator"]""", status["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failing_activity_reaches_the_orchestrator_as_a_task_failure_with_its_message()
    {
        await using var app = await StartAsync();
        var id = NewId();
        await StartGreetingAsync(app, id, new { name = "Linus", rounds = 1, timerSeconds = 0, waitForApproval = false, failActivity = true });

        var status = await CompletedAsync(app, id);
        Assert.Equal("Completed", status["status"]!.GetValue<string>());
        Assert.Equal("""["failed: no greeting for Linus"]""", status["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task Starting_a_running_instance_id_again_is_refused_and_deleting_terminates_and_purges_it()
    {
        await using var app = await StartAsync();
        var id = NewId();
        await StartGreetingAsync(app, id, new { name = "Alan", rounds = 1, timerSeconds = 0, waitForApproval = true, failActivity = false });
        await Eventually.UntilAsync(() => StatusAsync(app, id), s => s?["status"]?.GetValue<string>() == "Running", "running", Patience);

        // A retried or duplicated start must not restart it: the worker's client gets AlreadyExists (the sample answers
        // 409), and the instance keeps its state.
        using (var again = await app.Http.PostAsJsonAsync($"/greetings/{id}", new { name = "Someone else", rounds = 1, timerSeconds = 0, waitForApproval = true, failActivity = false }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("already exists", await again.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        using (var raised = await app.Http.PostAsync($"/greetings/{id}/approve", new StringContent("the operator")))
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        Assert.Equal("""["Hello, Alan #0","approved by the operator"]""", (await CompletedAsync(app, id))["output"]!.GetValue<string>());
        using (var restarted = await app.Http.PostAsJsonAsync($"/greetings/{id}", new { name = "Alan", rounds = 1, timerSeconds = 0, waitForApproval = true, failActivity = false }))
            Assert.Equal(HttpStatusCode.Accepted, restarted.StatusCode); // an ended instance may be started again
        await Eventually.UntilAsync(() => StatusAsync(app, id), s => s?["status"]?.GetValue<string>() == "Running", "running again", Patience);

        using (var deleted = await app.Http.DeleteAsync($"/greetings/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal(1, JsonNode.Parse(await deleted.Content.ReadAsStringAsync())!["purged"]!.GetValue<int>());
        }
        using var gone = await app.Http.GetAsync($"/greetings/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_worker_killed_while_a_timer_is_pending_is_replaced_and_the_orchestration_completes()
    {
        await using var app = await StartAsync();
        var id = NewId();
        await StartGreetingAsync(app, id, new { name = "Barbara", rounds = 2, timerSeconds = 4, waitForApproval = false, failActivity = false });
        await Eventually.UntilAsync(() => StatusAsync(app, id), s => s?["customStatus"]?.GetValue<string>() is { } c && c.Contains("\"round\":0"),
            "the first round's activity ran and its timer is pending", Patience);
        var firstPid = app.Host.Worker.CurrentWorker!.ProcessId!.Value;
        using (var worker = Process.GetProcessById(firstPid))
            worker.Kill(); // SIGKILL while the durable timer waits in the control queue
        await Eventually.UntilAsync(() => Task.FromResult(app.Host.Worker.CurrentWorker?.ProcessId), pid => pid is { } p && p != firstPid,
            "a new worker was started", Patience);

        var status = await CompletedAsync(app, id);
        Assert.Equal("""["Hello, Barbara #0","Hello, Barbara #1"]""", status["output"]!.GetValue<string>());
        Assert.True(app.Host.Worker.WorkersStarted >= 2, "a new worker was started");
    }

    private async Task<SampleApp> StartAsync() =>
        await SampleApp.StartAsync(storage, output, SampleApp.SettingsFor(Guid.NewGuid().ToString("N")[..10], durable: true));

    private static string NewId() => "greeting-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task StartGreetingAsync(SampleApp app, string id, object input)
    {
        using var response = await app.Http.PostAsJsonAsync($"/greetings/{id}", input);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonObject?> StatusAsync(SampleApp app, string id)
    {
        using var response = await app.Http.GetAsync($"/greetings/{id}");
        return response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject() : null;
    }

    private static async Task<JsonObject> CompletedAsync(SampleApp app, string id) =>
        (await Eventually.UntilAsync(() => StatusAsync(app, id),
            s => s?["status"]?.GetValue<string>() is "Completed" or "Failed" or "Terminated", $"orchestration {id} finished", Patience))!;

    /// <summary>The rows of the instance's current history in the hub's History table.</summary>
    private async Task<int> HistoryRowsAsync(SampleApp app, string id)
    {
        var table = new TableClient(storage.ConnectionString, app.Settings["DurableHub"] + "History");
        var rows = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == id, select: ["RowKey"]))
            rows++;
        return rows;
    }
}
