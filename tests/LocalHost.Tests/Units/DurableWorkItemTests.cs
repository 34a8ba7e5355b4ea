using Campaigns.LocalHost.Configuration;
using Campaigns.LocalHost.Durable;
using Campaigns.LocalHost.Grpc.Messages;

namespace Campaigns.LocalHost.Tests.Units;

/// <summary>How the host reads host.json's durableTask section and translates work items' data for the worker.</summary>
public sealed class DurableWorkItemTests
{
    [Fact]
    public void HostJson_DurableTaskSection_IsReadWithTheExtensionsDefaultsForTheRest()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"extensions":{"durableTask":{"hubName":"%Hub%","maxConcurrentActivityFunctions":4,"storageProvider":{"partitionCount":32,"maxQueuePollingInterval":"00:00:02"}}}}""");
        var durable = HostJson.Load(path).DurableTask;
        Assert.Equal(("%Hub%", "AzureWebJobsStorage", 16, TimeSpan.FromSeconds(2)), (durable.HubName, durable.ConnectionName, durable.PartitionCount, durable.MaxQueuePollingInterval));
        Assert.Equal((4, DurableTaskSettings.Default.MaxConcurrentOrchestratorFunctions), (durable.MaxConcurrentActivityFunctions, durable.MaxConcurrentOrchestratorFunctions));
        Assert.Equal(DurableTaskSettings.Default, HostJson.Load("/no/such/host.json").DurableTask);
    }

    [Theory]
    [InlineData("""["Ada"]""", "\"Ada\"")]
    [InlineData("""[{"n":1}]""", """{"n":1}""")]
    [InlineData("""[null]""", "null")]
    public void ActivityInput_TheParameterArrayOfOne_IsUnwrappedForTheWorker(string scheduled, string expected) =>
        Assert.Equal(expected, ActivityInput.Unwrap(scheduled));

    [Fact]
    public void ActivityInput_AnythingButAnArrayOfOne_IsRefused()
    {
        Assert.Throws<InvalidDataException>(() => ActivityInput.Unwrap("""["a","b"]"""));
        Assert.Throws<InvalidDataException>(() => ActivityInput.Unwrap("\"a\""));
        Assert.Null(ActivityInput.Unwrap(null));
    }

    [Fact]
    public void ActivityOutput_EachKindOfReturnValue_BecomesJson()
    {
        Assert.Equal("\"Hello\"", ActivityOutput.ToJson(new TypedData { String = "Hello" }));
        Assert.Equal("""{"a":1}""", ActivityOutput.ToJson(new TypedData { Json = """{"a":1}""" }));
        Assert.Equal("42", ActivityOutput.ToJson(new TypedData { Int = 42 }));
        Assert.Null(ActivityOutput.ToJson(new TypedData()));
    }

    [Fact]
    public void ActivityFailure_TheWorkersJsonMessage_BecomesNestedFailureDetails()
    {
        var rpc = new RpcException
        {
            Message = """{"errorType":"System.InvalidOperationException","errorMessage":"no greeting","stackTrace":"at X","innerFailure":{"errorType":"System.IO.IOException","errorMessage":"disk"}}""",
        };
        var failure = ActivityFailure.From(rpc, error: null);
        Assert.Equal(("System.InvalidOperationException", "no greeting", "at X"), (failure.ErrorType, failure.ErrorMessage, failure.StackTrace));
        Assert.Equal(("System.IO.IOException", "disk"), (failure.InnerFailure!.ErrorType, failure.InnerFailure.ErrorMessage));
    }

    [Fact]
    public void ActivityFailure_APlainMessage_IsTakenFromTheRpcExceptionsFields()
    {
        var failure = ActivityFailure.From(new RpcException { Message = "boom", Type = "MyError", StackTrace = "at Y" }, error: null);
        Assert.Equal(("MyError", "boom", "at Y"), (failure.ErrorType, failure.ErrorMessage, failure.StackTrace));
    }
}
