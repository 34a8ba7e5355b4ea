using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Campaigns.LocalHost.SampleApp;

/// <summary>What a greeting orchestration is asked to do, and what it has done so far (carried across ContinueAsNew).</summary>
public sealed record GreetingInput(string Name, int Rounds, int TimerSeconds, bool WaitForApproval, bool FailActivity, int Round = 0, List<string>? Said = null);

/// <summary>
/// Durable Functions through the local host: an orchestration that calls an activity, sleeps on a durable timer,
/// continues as new for each round, can wait for an external event and can meet a failing activity; and the HTTP
/// functions a client uses through <c>[DurableClient]</c> (start, status, raise an event, terminate and purge).
/// </summary>
public static class DurableFunctions
{
    [Function("Greeting")]
    public static async Task<List<string>?> Greeting([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<GreetingInput>()!;
        var said = input.Said ?? [];
        if (input.FailActivity)
        {
            try
            {
                await context.CallActivityAsync<string>("FailingActivity", input.Name);
            }
            catch (TaskFailedException ex)
            {
                said.Add($"failed: {ex.FailureDetails.ErrorMessage}");
                return said;
            }
        }
        said.Add(await context.CallActivityAsync<string>("SayHello", $"{input.Name} #{input.Round}"));
        context.SetCustomStatus(new { round = input.Round });
        if (input.TimerSeconds > 0)
            await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(input.TimerSeconds), CancellationToken.None);
        if (input.Round + 1 < input.Rounds)
        {
            context.ContinueAsNew(input with { Round = input.Round + 1, Said = said });
            return null;
        }
        if (input.WaitForApproval)
            said.Add("approved by " + await context.WaitForExternalEvent<string>("approve"));
        return said;
    }

    [Function("SayHello")]
    public static string SayHello([ActivityTrigger] string name) => $"Hello, {name}";

    [Function("FailingActivity")]
    public static string FailingActivity([ActivityTrigger] string name) => throw new InvalidOperationException($"no greeting for {name}");

    [Function("StartGreeting")]
    public static async Task<IActionResult> StartGreeting(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "greetings/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client)
    {
        var input = await request.ReadFromJsonAsync<GreetingInput>();
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync("Greeting", input, new StartOrchestrationOptions(InstanceId: id));
        }
        catch (DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException ex)
        {
            return new ConflictObjectResult(new { id, error = ex.Message }); // the instance runs already: not started twice
        }
        return new ObjectResult(new { id }) { StatusCode = StatusCodes.Status202Accepted };
    }

    [Function("GreetingStatus")]
    public static async Task<IActionResult> GreetingStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "greetings/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        return instance is null
            ? new NotFoundResult()
            : new OkObjectResult(new
            {
                status = instance.RuntimeStatus.ToString(),
                output = instance.SerializedOutput,
                customStatus = instance.SerializedCustomStatus,
                failure = instance.FailureDetails?.ErrorMessage,
            });
    }

    [Function("ApproveGreeting")]
    public static async Task<IActionResult> ApproveGreeting(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "greetings/{id}/approve")] HttpRequest request, string id, [DurableClient] DurableTaskClient client)
    {
        using var reader = new StreamReader(request.Body);
        await client.RaiseEventAsync(id, "approve", await reader.ReadToEndAsync());
        return new StatusCodeResult((int)HttpStatusCode.Accepted);
    }

    [Function("DeleteGreeting")]
    public static async Task<IActionResult> DeleteGreeting(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "greetings/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client)
    {
        if (await client.GetInstanceAsync(id) is { IsCompleted: false })
        {
            await client.TerminateInstanceAsync(id, "deleted");
            await client.WaitForInstanceCompletionAsync(id, request.HttpContext.RequestAborted);
        }
        var purged = await client.PurgeInstanceAsync(id);
        return new OkObjectResult(new { purged = purged.PurgedInstanceCount });
    }
}
