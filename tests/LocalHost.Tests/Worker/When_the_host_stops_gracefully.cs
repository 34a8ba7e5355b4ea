using System.Net;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Worker;

/// <summary>
/// Stopping the host (what SIGTERM or Ctrl-C does in the program) lets an in-flight invocation finish and answer its
/// client, then sends WorkerTerminate, and the worker exits by itself within the grace period (it is not killed).
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_the_host_stops_gracefully(StorageFixture storage, ITestOutputHelper output)
{
    private const int WorkerTerminateSent = 2002;
    private const int WorkerExitedAfterTerminate = 3104;
    private const int WorkerKilled = 3105;

    [Fact]
    public async Task The_in_flight_invocation_finishes_then_the_worker_is_terminated()
    {
        var app = await SampleApp.StartAsync(storage, output);
        await using var _ = app;
        var pending = app.Http.GetAsync("slow?ms=1500&key=drain");
        await Eventually.UntilAsync(() => app.RecordsAsync("slow", "drain"), r => r.Count > 0, "the slow function started");

        await app.Host.StopAsync(CancellationToken.None);

        using var response = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(await app.RecordsAsync("slow", "drain"), r => SampleApp.Stage(r) == "finished");
        Assert.True(app.Logs.Has(WorkerTerminateSent), "WorkerTerminate was not sent");
        Assert.True(app.Logs.Has(WorkerExitedAfterTerminate), "the worker did not exit by itself");
        Assert.False(app.Logs.Has(WorkerKilled));
        var terminateAt = app.Logs.Entries.ToList().FindIndex(e => e.EventId == WorkerTerminateSent);
        var finishedAt = app.Logs.Entries.ToList().FindIndex(e => e.EventId == 4001 && e.Message.Contains("'Slow'"));
        Assert.True(finishedAt >= 0 && finishedAt < terminateAt, "WorkerTerminate went out before the invocation finished");
    }
}
