using Campaigns.Functions.Hosting;

CampaignsWorker.Build(args).Run();
