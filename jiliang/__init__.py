"""Jiliang (计量): a unified legal-metrology management system."""
