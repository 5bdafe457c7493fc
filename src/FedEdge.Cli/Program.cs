using FedEdge.Cli;

return await CliApplication.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
