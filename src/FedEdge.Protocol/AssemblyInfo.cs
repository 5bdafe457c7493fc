namespace FedEdge.Protocol;
